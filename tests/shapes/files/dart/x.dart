final credentials = {'accessKeyId': 'LTAIYQsuNEt1iXR1u8g1ypKM', 'accessKeySecret': '9Oe1MQh4NmWI1YxNOkWft1K6iG3tTw'};
