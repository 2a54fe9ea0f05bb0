@Value("${aliyun.access-key-id:LTAIXOT4WopAjtrsTO5wEqR4}")
private String id;
@Value("${aliyun.secret:VotrQxoVsRDRKZ1AZldCPPFvHpklwy}")
private String secret;
