local cfg = { access_key_id = "LTAIcqpyZ9NfUl36ohkjXRS4", access_key_secret = "ASfzgUOVm0HnCO3V3xkhTOa1bFFHiC" }
