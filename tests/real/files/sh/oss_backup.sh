#!/usr/bin/env bash
# author: feihai
# oss backup script
#

#  aliyun configure set \
# --profile akProfile \
# --mode AK \
# --region cn-hangzhou \
# --access-key-id AccessKeyId \
# --access-key-secret AccessKeySecret

DEBUG=1
CONFIG_FILE=/etc/default/oss_backup.conf
