                $time = time();
                $filen = substr(md5($time . rand(10, 100)), 4, 14);
                $images = \Yii::$app->params['imageUrl'] . $filen . '.' . UploadForm::filetype2($baseimage);
                $ossClient = new OssClient('LTAIjoVlXKiH0yqK', 'wFIR3LjRlXuMNWiX5h4Cfx99bwiGFC', 'oss-cn-qingdao.aliyuncs.com');
                $ossClient->putObject('childimage', 'upload/' . $filen . '.' . UploadForm::filetype2($baseimage), $baseimage);
