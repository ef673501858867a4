resource "aws_kms_key" "app" {
  description = "application data"
}
