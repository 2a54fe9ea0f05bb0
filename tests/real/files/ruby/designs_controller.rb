  def create
    # bucket = Aliyun::OSS::Client.new(
    #   :endpoint => 'oss-cn-shanghai.aliyuncs.com',
    #   :access_key_id => 'LTAIp6QwIN8AjUiG',
    #   :access_key_secret => 'fhlUS7TdrUxZHx3mmTOgxjvx2FW5Nn',
    #   :cname => true).get_bucket('makeyourfashion'
    # )
    # name = "#{SecureRandom.uuid}-#{params[:file].name}"
