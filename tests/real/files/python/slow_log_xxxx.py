def get_data(page=1, size=100):
    client = AcsClient('xxxx','xxxxxxxx','cn-hangzhou')
    
    request = DescribeSlowLogRecordsRequest()
    request.set_accept_format('json')
