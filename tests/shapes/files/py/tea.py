config = open_api_models.Config(access_key_id='LTAIND6pmenwFvL6vOo79IKI', access_key_secret='XvetxTrInPNnEvjnyToNBv0YNQjTVC')
