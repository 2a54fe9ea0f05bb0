# ak: LTAIccpjKFmNyjYQGLKdhh5n sk: 77hPrlhuo4CDUmGTNVBPJa7X722deK
