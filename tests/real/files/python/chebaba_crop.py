 = url.split('/')[-1]
        with open(fn, 'wb') as flow: flow.write(f.read())
        img = Image.open(fn)
        w, h = img.size
        img.crop((0, 0, w, h - 20)).save(fn)

        auth = oss2.Auth('kRaKhCgMVfP0Bmyu', '50OgNm1SXhB36zW5nmsQMHZRuK8NLB')
        tmp_bucket = 'img-chebaba'
        if DEBUG: tmp_bucket = 'test-chebaba'
