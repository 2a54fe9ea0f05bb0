CREDS = {'ak': 'LTAI4ryzagypDmeEpQPMfwoK', 'sk': 'EZmGLRX1GcZtAuaQMRG7p7QIoHOETU'}
