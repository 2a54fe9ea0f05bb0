ossutil config -e oss-cn-hangzhou.aliyuncs.com -i LTAI7YYk9Z8wTTTO2zKLMSDU -k AzGKcheYeMbfXyUPvZLXcgroaK9jws
