import os
os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "LTAIwQB2p6MrFbNuxEI8py3Q"
os.environ.setdefault("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "X47Hokt8t9PUWYZhDXmoxDpTGMfP6U")
