client = oss2.Auth(
    access_key_id='LTAIkxsgsyROx7tsZq0PK7lu',
    access_key_secret='OXplt6r2DaFIcUpdx98diMhn0dHQwu')
