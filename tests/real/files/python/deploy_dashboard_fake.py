    {"time": "09:02:30", "level": "ok", "msg": "部署完成：成功 6 项，失败 0 项"},
]

FAKE_CONFIG = {
    "access_key_id": "LTAI5tExamp1eAccessKeyID",
    "access_key_secret": "********",
    "regions": ["cn-beijing", "cn-hangzhou"],
    "acme_email": "you@example.com",
