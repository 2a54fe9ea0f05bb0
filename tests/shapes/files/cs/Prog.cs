IClientProfile profile = DefaultProfile.GetProfile("cn-hangzhou", "LTAIE3Vo9UctolfTclkWVagm", "9XCoREXncB0mtSCtjXS6vtD4ySKcqV");
