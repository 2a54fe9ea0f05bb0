url = f"https://example.com/?ak=LTAI3StoDYDEYS1P1EbgnysS&sk=FOBPNnGpSblbv2luVea0TCEaH05m3Q"
