Aliyun::OSS::Client.new(:access_key_id => 'LTAIkaDqtFYaUmZXlOCVzg3a', :access_key_secret => 'R9uVdzysbzroay3MRhF5CluFPZ4LU6')
