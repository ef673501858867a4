resource "aws_s3_bucket" "audit" {
  bucket              = "acme-audit-records"
  object_lock_enabled = true
}
