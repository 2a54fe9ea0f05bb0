# 阿里云OSS配置
class OSSConfig:
    ENABLED = True  # 强制启用OSS，不使用回退
    ACCESS_KEY_ID = '***REMOVED***'
    ACCESS_KEY_SECRET = '***REMOVED***'
    ENDPOINT = 'oss-cn-beijing.aliyuncs.com'
    BUCKET = 'jasonli01'
