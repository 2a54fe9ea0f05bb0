OSS ossClient = new OSSClientBuilder().build(endpoint, "LTAIDnQuRu4572QcoEAHdP4i", "EAkuf17V8DOxjCH8InKXbC8WKMxKHO");
