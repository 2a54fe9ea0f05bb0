"""Uploads the day's invoices to OSS."""
import datetime

import oss2

auth = oss2.Auth("LTAI5tVycvKCKy77Pvp9ZNTS", "csEJ0i6q1mMfGdptQjbnVoSiEpnCV1")
bucket = oss2.Bucket(auth, "https://oss-cn-hangzhou.aliyuncs.com", "shop-invoices")


def upload(path):
    key = f"invoices/{datetime.date.today():%Y/%m/%d}/{path}"
    bucket.put_object_from_file(key, path)
