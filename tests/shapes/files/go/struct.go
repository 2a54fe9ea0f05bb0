var creds = Creds{ID: "LTAIgdfOt7YcqoVcVCHWt1RP", Secret: "unZtQR5luYwVvGyZ5x9RdP1qLO7ceb"}
