    @Override
    public boolean send(String iphone, String templateCode) {
        //连接阿里云
        DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", "用户的AccessKey ID", "密码");
        IAcsClient client = new DefaultAcsClient(profile);
