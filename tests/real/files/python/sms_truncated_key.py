#!/usr/bin/env python
# coding=utf-8

from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
import sys
client = AcsClient('LTAImkywcekMc9t', 'BlkG1p5zhfuguzES0fMvis', 'cn-hangzhou')

request = CommonRequest()
request.set_accept_format('json')
