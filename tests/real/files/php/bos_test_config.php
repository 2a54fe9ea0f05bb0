// Only scalar and null values are allowed
define('__BOS_TEST_CONFIG', json_encode(array(
    'AccessKeyId' => '229y289368a3463219jn905g2sqh7k39',
    'AccessKeySecret' => '45ffm5385xx915l487bt63vr283v6d24',
    'TimeOut' => 5000,    // 5 seconds
