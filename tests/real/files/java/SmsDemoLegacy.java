cs.com";
        //替换成你的AK
        //你的accessKeyId,参考本文档步骤2
        final String accessKeyId = "Uco0EloCNGUv5VG8";
        //你的accessKeySecret，参考本文档步骤2
        final String accessKeySecret = "v1C0EnMEXXOFeqzA5g7P1A7ReJewQu";
        //初始化ascClient,暂时不支持多region（请勿修改）
        IClientProfile profile = DefaultProfile.getProfile("cn-hangzhou", accessKeyId,
                accessKeySecret);
