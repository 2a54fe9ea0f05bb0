	@Before
	public void initial() {
		AliyunOSSConfig aliyunOSSConfig = new AliyunOSSConfig();
		aliyunOSSConfig.setEndPoint("http://oss-cn-hangzhou.aliyuncs.com");
		aliyunOSSConfig.setAccessKeyId("LTAI69qnzQHOycBH");
		aliyunOSSConfig.setAccessKeySecret("AjBJOMQSXQiufxnJvYrAtGZsfelcof");
		ccsClient = new AliyunOSSImpl(aliyunOSSConfig);
	}
