from aliyunsdkdcdn.request.v20180115.PreloadDcdnObjectCachesRequest import PreloadDcdnObjectCachesRequest

client = AcsClient('<accessKeyId>', '<accessSecret>', 'cn-qingdao')

request = PreloadDcdnObjectCachesRequest()
