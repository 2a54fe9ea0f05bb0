	// validate
	tps := []string{
		"alibabaKey := \"LTAI" + secrets.NewSecret(utils.Hex("20")) + "\"",
	}
	fps := []string{
		"https://mp.weixin.qq.com/s?__biz=dtAhKPEwkMvIG2E8rzisdOYV&wx_header=1&scene=27#wechat_redirect)",
	}
