region = 'eu-central-1'
bucket = 'wulftest2017'
path = 'the_cloud.png'
host = 's3.{}.amazonaws.com'.format(region)
url = 'https://{}/{}/{}'.format(host, bucket, path)
access_key_id = 'BOFTZQCXZFVQ9GGXIWYZ'
access_key_secret = 'xXxXxXxXxXxXxXxXxXxXxXxXxXxXxXxXxXxXxXxX'
expire = 300
