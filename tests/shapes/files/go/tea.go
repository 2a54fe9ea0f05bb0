config := &openapi.Config{
	AccessKeyId:     tea.String("LTAIu0VEtEjUroYyeq3C7qhu"),
	AccessKeySecret: tea.String("Mk9zUGIAJsam9cDIPYSTGnAvqGCAk7"),
}
