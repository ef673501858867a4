resource "aws_kms_key" "signing" {
  description              = "release signing"
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
}
