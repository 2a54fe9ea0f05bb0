    @Test
    public void testALiYun(){
        DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", "LTAI3UmqXEQnbJSj", "97rOykQ8htBCuDOEAjsNrPUjPnCj33");
        IAcsClient client = new DefaultAcsClient(profile);
