require('dotenv').config({
  path: '.env.local'
})

const fs = require('fs')
const path = require('path')
const OSS = require('ali-oss')

const store = new OSS({
  accessKeyId: 'LTAI2AduodU49vIfel32Hzfe',
  accessKeySecret: '7NWjf9yryqUTQdK7iCuD08EulNXhY4',
  region: 'oss-cn-chengdu',
  bucket: 'sky-torch-yq',
  timeout: '120s'
})
