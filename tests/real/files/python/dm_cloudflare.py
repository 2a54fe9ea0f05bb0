ort AcsClient
from aliyunsdkcore.request import CommonRequest
import json
import time
import CloudFlare
import sys

cf_email=sys.argv[1]
cf_token=sys.argv[2]

client = AcsClient('LTAI2XRN5m6bb0lU4WWozUsL', 'TO8RuODyZJetU1AF3nWauhap0dTpMj', 'cn-hangzhou')
cf = CloudFlare.CloudFlare(email=cf_email, token=cf_token)
