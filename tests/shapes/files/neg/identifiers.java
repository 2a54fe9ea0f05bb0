String accessKeySecret = getAccessKeySecretFromVaultNow();
String sk = AccessKeySecretProviderFactoryBean;
