        FastJsonConfigUtil.configFastJson();

        AliyunSmsConfig config = new AliyunSmsConfig();
        config.setUrl("https://dysmsapi.ap-southeast-1.aliyuncs.com");
        config.setAccessKeyId("LTAI4fBDE4E0FLYAwAbQs93X");
        config.setAccessKeySecret("eD0JQqYWbYJOGedtmdDOfwBALDGT9s");
        System.out.println(JSON.toJSONString(config));
    }
}
