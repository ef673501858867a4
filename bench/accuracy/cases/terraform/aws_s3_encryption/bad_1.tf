resource "aws_s3_bucket" "plain" {
  bucket = "acme-plain"
}
