my $ak = "LTAIv1JtcdMoCkcXSUyQBiAX";
my $sk = "qozAZdyhWYNfZwRJhyj5PzSJxkKIv6";
