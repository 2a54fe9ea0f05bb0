# -*- coding: utf-8 -*-

import oss
import logging

access_key_id = 'ACCESS_KEY_ID'
access_key_secret = 'ACCESS_KEY_SECRET'
endpoint = 'OSS_TEST_ENDPOINT'
bucket_name = 'OSS_TEST_BUCKET'

###########创建桶###########
def CreateBucket():
    bucket = oss.Bucket(oss.Auth(access_key_id, access_key_secret), endpoint, bucket_name)
