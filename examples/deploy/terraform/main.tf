provider "alicloud" {
  region     = "cn-hangzhou"
  access_key = "LTAI5t6SOVsEKa5GVCDXeyrL"
  secret_key = "QAxuvpT0qrw9ap5VNF2sxhbQsULOLF"
}

resource "alicloud_oss_bucket" "invoices" {
  bucket = "shop-invoices"
}
