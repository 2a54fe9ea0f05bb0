KEYS = [
    ('LTAICDoZmcKPfHHfwpyqxKSv', 'tXmdZte29B66QHYxGj1D2qdFhtF3Rj'),
]
