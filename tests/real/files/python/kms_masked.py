from aliyunsdkkms.request.v20160120 import DecryptRequest

client = AcsClient('LT****pY', 'cQ*************1', 'cn-hangzhou')
a=EncryptRequest.EncryptRequest()
a.set_Plaintext('dGVzdDEyMw==')
