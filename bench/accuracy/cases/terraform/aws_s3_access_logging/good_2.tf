resource "aws_s3_bucket" "data" {
  bucket = "acme-data-inline-log"
  logging {
    target_bucket = "acme-central-logs"
    target_prefix = "acme-data-inline-log/"
  }
}
