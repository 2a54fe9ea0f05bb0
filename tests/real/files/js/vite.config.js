			oss: {
				baseURL: 'https://plugin-js.oss-accelerate.aliyuncs.com',
				dir: 'test-upload',
				client: {
					region: 'oss-cn-hangzhou',
					bucket: 'plugin-js',
					accessKeyId: 'LTAI4nMjdUkeUGktBf1fPkwX',
					accessKeySecret: 'deRNnqGSB1nHgt93mq6RoqIB1JzVRD',
				},
			},
