q.com
# @File : bakup_crm.py

import pymysql
import time
import datetime
import os
import traceback
import oss2
import os
from config import *
from util.help_fun import *

logger.info("ddddd")
auth = oss2.Auth('LTAI3XgEz169QJni3lTSMlim', 'hd3nhwMUececYazd8MHvttEtebCHXG')
bucket = oss2.Bucket(auth, 'https://oss-cn-beijing.aliyuncs.com', 'luke-analyze')


backup_dir = r'.'
backup_date = time.strftime("%Y%m%d")
