            String endpoint = "https://oss-cn-beijing.aliyuncs.com";
            String objectName = "clota/" + UUID.randomUUID().toString() + "." + FilenameUtils.getExtension(multipartFile.getOriginalFilename());
            /*OSSClient ossClient = new OSSClient(endpoint, "LTAI5FiDn9z9FSXuBRpQAXWK", "Nj0858GSE2FiME96EzlhihWuSzvmzi");
            ossClient.putObject("piaoshangcan-clota", objectName, multipartFile.getInputStream());
            ossClient.shutdown();
*/
