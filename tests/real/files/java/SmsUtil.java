    static final String accessKeyId = "LTAI0BsDsDiEFlPJisg8uzg6";
    static final String accessKeySecret = "XQveEBU4nPKI6du04U0mKP9mSVz8qO";
    public static String sendCode(String phone,String code){
        DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", "LTAI0BsDsDiEFlPJisg8uzg6", "XQveEBU4nPKI6du04U0mKP9mSVz8qO");
        IAcsClient client = new DefaultAcsClient(profile);
