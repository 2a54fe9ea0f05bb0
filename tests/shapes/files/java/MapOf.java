Map<String,String> m = Map.of("accessKeyId", "LTAIVQHAofyzjKGdDSLIK1uN", "accessKeySecret", "6XPkzGF1EtrXIItnbSvej8IzWzeSnu");
