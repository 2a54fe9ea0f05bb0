access_key = "LTAIkPRbbkFCESN1AxbGgzSx"
secret_key = "JF56k1y5g69JsXGoXHN86iHs35Df0L"
