from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
import json


def send_message(user_number, number, seat):
    client = AcsClient('LTAI6RtarK7TA0TkWzbNd5EI', 'SxkjXZ5LXisPAXTcuM35j0h83VMm5t', 'cn-hangzhou')

    request = CommonRequest()
