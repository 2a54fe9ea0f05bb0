public class AliyunSms implements SmsApi {

    private static final Logger LOG = LoggerFactory.getLogger(AliyunSms.class);

    @Override
    public boolean sendCode(String mobile, String code) {
        DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", "LTAI4vIV9GYNdPWupaVvseL9", "PQ2HNMKJOTAM2wCofyRqaCj2bSJU6R");
        IAcsClient client = new DefaultAcsClient(profile);
