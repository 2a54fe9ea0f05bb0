const client = new Core({
  accessKeyId: 'LTAIM1Yr0NHLjxkoVVvpWbj8',
  accessKeySecret: 'hkogOdad9lsRS5dUnJjkXRqyEo8Vet',
  endpoint: 'https://ecs.aliyuncs.com',
});
