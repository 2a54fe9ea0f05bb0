terraform {
  backend "oss" {
    bucket = "tf-state"
    access_key = "LTAIyJ43i6XStRdK5Dw9siro"
    secret_key = "G2gXtlLadq2E1QXJ6ptiiFDIa6pFkn"
  }
}
