System.setProperty("alibaba.accessKeySecret", "PnnQj0mQvC4nNmRwGNCjGBQMd9B4MW");
System.setProperty("alibaba.accessKeyId", "LTAIEdvL7bzjfnzzVDGvrGuI");
