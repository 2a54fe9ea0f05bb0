	public function test()
	{
		$sms = new SendSmsRequest();
		dd($sms);

		$oss = new OssClient('test_key', 'test_sec', 'hangzhou');
		dd($oss);
