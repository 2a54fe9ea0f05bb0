        if(StringUtils.isEmpty(phone)){
            return false;
        }
        DefaultProfile profile =
                DefaultProfile.getProfile("cn-hangzhou", "LTAI0vB9R1dVQH9w7sF0ioSQ", "4N5TZB5Z63WJiIMSyHqPIYEDABv5aN");//自己账号的AccessKey信息
        IAcsClient client = new DefaultAcsClient(profile);
