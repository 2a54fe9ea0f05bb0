val client = DefaultAcsClient(DefaultProfile.getProfile("cn-hangzhou", "LTAIWK59PFkl0JfI2yyVlbPe", "gBPrUhRZdsvDQuc8dWrdE03WKpm15U"))
