<?php
//上传文件前缀
	define('JRY_ND_UPLOAD_FILE_PREFIX'					,'');
//aly sts ak id
	define('JRY_ND_ALY_STS_ACCESS_KEY_ID'				,'');
//aly sts ak secret
	define('JRY_ND_ALY_STS_ACCESS_KEY_SECRET'			,'');
