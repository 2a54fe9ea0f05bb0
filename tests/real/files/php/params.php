    'CLIENTOSS' => [
        'AccessKeyID' => 'LTAI7cAYMWTtZnkgpoWAAHjm',
        'AccessKeySecret' => 'R3aii7dw2mC3b4KNZuNlGLrQzcJY3F',
        'pathtop' => 'yinka-resource',
        'path' => 'online',
        'endpoint' => 'oss-cn-beijing.aliyuncs.com',
    ],
