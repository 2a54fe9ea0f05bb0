        //下面填写密钥
        System.out.println("多人发送的邮箱地址数据为："+URL);
        IClientProfile profile = DefaultProfile.getProfile("cn-hangzhou", "LTAI4WxvjzVsltYD5kxs0oVJ", "Zcrua8h1lRjUNaiCjmPNxScL3WOFRh");
        IAcsClient client = new DefaultAcsClient(profile);
        SingleSendMailRequest request = new SingleSendMailRequest();
