        int pageSize = 100;
        List<CorgiActivity> activityList;
        DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", "LTAI9Qsy4bSw5lhRB7bFRbdA", "Uaw1VOBroLyqAs12UTMYaLTWENHIg4");
        IAcsClient client = new DefaultAcsClient(profile);
