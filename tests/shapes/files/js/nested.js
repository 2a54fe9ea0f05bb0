module.exports = { aliyun: { ak: "LTAIx7yuZgW8SvrDgVf53eYf", sk: "ugPp1R8lzy1d31RLu1n4ZSrv6XnRe5" } };
