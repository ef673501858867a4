resource "aws_s3_bucket" "plain" {
  count  = 2
  bucket = "acme-plain-${count.index}"
}
