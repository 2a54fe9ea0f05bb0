package com.example.shop;

import com.aliyuncs.DefaultAcsClient;
import com.aliyuncs.IAcsClient;
import com.aliyuncs.profile.DefaultProfile;

public class SmsNotifier {
    private static final String ACCESS_KEY_ID = "LTAI5tEnzBVJGvyuow0ay06p";
    private static final String ACCESS_KEY_SECRET = "Efwy3J0MRUo6TTkZvVe6yAnGG3AuaE";

    private final IAcsClient client;

    public SmsNotifier() {
        DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", ACCESS_KEY_ID, ACCESS_KEY_SECRET);
        this.client = new DefaultAcsClient(profile);
    }
}
