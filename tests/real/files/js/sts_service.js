
var OSS = require('ali-oss');
var STS = OSS.STS;

// let sts = new AliSts({
//     accessKeyId: 'LTAIxdj4N51TahGY',
//     accessKeySecret: '4do2w1esiLYEecoCA7yNTJSUOABKcI'
// }) ;

function Sts() {
    this.name = 'sts';
    this.sts = new STS({
        accessKeyId: 'LTAIxdj4N51TahGY',
        accessKeySecret: '4do2w1esiLYEecoCA7yNTJSUOABKcI'
    }
