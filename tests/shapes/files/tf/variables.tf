variable "access_key" {
  type    = string
  default = "LTAI9HQqg5vXbEKFH6psT4am"
}

variable "secret_key" {
  type    = string
  default = "uoK7s4iHgxXxElMfDFmmBXySPsSVU5"
}
