# 读取配置
TINYPNG_API_KEY=$(jq -r '.tinypng.apiKey' config.json)
ALIYUN_ACCESS_KEY_ID=$(jq -r '.aliyun.accessKeyId' config.json)
ALIYUN_ACCESS_KEY_SECRET=$(jq -r '.aliyun.accessKeySecret' config.json)
BUCKET=$(jq -r '.aliyun.bucket' config.json)
