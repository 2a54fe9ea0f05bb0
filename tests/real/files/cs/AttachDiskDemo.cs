namespace EcsDemo
{
    class AttachDiskDemo
    {
        public static void AttachDisk()
        {
            IClientProfile profile = DefaultProfile.GetProfile("cn-hangzhou", "<accessKeyId>", "<accessSecret>");
            DefaultAcsClient client = new DefaultAcsClient(profile);
