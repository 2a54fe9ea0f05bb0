let accessKeyId = "LTAIUlmOS6ECJSRO5k0A8Uci"
let accessKeySecret = "0qRhSBHpvkTSOsq63Hvzl8IBtPnRNb"
