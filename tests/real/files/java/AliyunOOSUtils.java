    public static void main(String[] args) throws IOException {
        AliYunOOSClientConfig clientConfig = new AliYunOOSClientConfig();
        clientConfig.setAccessKeyId("LTAIODwiBRh5L8OC");
        clientConfig.setAccessKeySecret("f1krXqFsYAOGazjHhVd4gI3IsrX5Fp");
        clientConfig.setBucketName("use-images");
        clientConfig.setEndpoint("oss-cn-shenzhen.aliyuncs.com");
