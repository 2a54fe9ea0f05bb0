val cfg = new Config()
  .setAccessKeyId("LTAIELhUOuZAzHx4LP4AzUdI")
  .setAccessKeySecret("G1OHqttidvRzFRYToraZB3DO7GWIQt")
