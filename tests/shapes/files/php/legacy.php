<?php
AlibabaCloud::accessKeyClient('LTAIPsnc1OAPZnod6tHqlqMf', 'jB0tkgqXoa72GgcX5kSDzFVqmgIfOh')->regionId('cn-hangzhou')->asDefaultClient();
