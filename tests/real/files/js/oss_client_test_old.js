(function() {
  var OSSClient, async, ossClient, _;

  async = require('async');

  _ = require('underscore');

  OSSClient = require('../lib/client');

  ossClient = new OSSClient('eqmpls2om92ddublw1eiaa97', 'b4x9cMwxThVn0lcxWVKn+tlxjjo=');
