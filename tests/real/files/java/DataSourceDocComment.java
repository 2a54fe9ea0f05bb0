             * - oss
             *   ```
             *   {
             *     "accessId": "LTAINbR9Uxxxx",
             *     "accessKey": "***",
             *     "bucket": "bigxxx1223",
             *     "configType": "1",
             *     "endpoint": "http://oss-cn-hangzhou.aliyuncs.com",
             *     "tag": "public"
             *   }
