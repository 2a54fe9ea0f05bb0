func InitAliYunDNS() {
	client, _ := alidns.NewClientWithAccessKey("cn-qingdao", resource.GLOBAL_ALIYUN_ACCESSKEY, resource.GLOBAL_ALIYUN_ACCESSKEY_SECRET)
	AliDNSClient = client
}
