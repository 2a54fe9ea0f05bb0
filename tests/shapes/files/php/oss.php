<?php
$client = new OssClient('LTAI1jlGSZRGyfTzIHy6rZQ4', 'DQdnmrMkSlNNtZx3cK8nkB6VRLetC6', $endpoint);
