	public static CommonResponse sendSms(String phone, String templateCode, String param, String signName){
		DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", "LTAI4Nt0WqkVztScYFCftj5l", "zA9H1j8gcF1pmY0h4UthSGy0JtBjJc");
		IAcsClient client = new DefaultAcsClient(profile);
