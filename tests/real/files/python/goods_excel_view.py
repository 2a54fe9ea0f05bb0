        filepath = 'excel/'+datetime.datetime.now().strftime("%Y%m%d%H%M%S")+'.xls'

        f.save(filepath)  # 保存文件

        auth = oss2.Auth('yBrY8etyhJGsehnz', 'DQm3B5CBh7MPKAyHc6TUzZq2whoAnA')
        bucket = oss2.Bucket(auth, 'oss-cn-hangzhou.aliyuncs.com', 'wochu/excel')

        result = bucket.put_object_from_file(filepath, filepath)
        print('http status: {0}'.format(result.status))
        print('request_id: {0}'.format(result.request_id))
        print('ETag: {0}'.format(result.etag))
        print('date: {0}'.format(result.headers['date']))
