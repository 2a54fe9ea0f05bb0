 'Host': city_url
        }, proxies=local_proxy(), timeout=6)
        logger.info('success when download %s ' % img_url)
        # 存储oss
        logger.error("准备存储oss: %s " % trackid)
        auth = oss2.Auth('LTAIo7c73XIU6Boz', 'qFJzLUvTNrqf8sM98eeseFVNy5MIyS')
        bucket = oss2.Bucket(auth, 'http://oss-cn-beijing.aliyuncs.com', 'ocr-img')
        # oss_api = OssAPI('http://oss-cn-beijing.aliyuncs.com'
