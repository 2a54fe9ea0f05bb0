AcsClient("LTAIexampleExampleExample", "exampleSecretExampleSecretExam", "cn-hangzhou")
