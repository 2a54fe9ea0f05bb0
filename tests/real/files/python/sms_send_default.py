#!/usr/bin/env python
# coding=utf-8

from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
import json
from flask import session

def send_sms(template,phone):
    #client = AcsClient('我的AccessKey ID', '我的Access Key Secret', 'default')
    client = AcsClient('LTAI7VrwUXBgO7EgHhDZfzSo', 'njeGBngx6gFA5AKJl4PJmRfqRamZA4', 'default')
    request = CommonRequest()
    request.set_accept_format('json')
