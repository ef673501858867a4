resource "aws_s3_bucket" "website" {
  bucket = "acme-website"
  acl    = "private"
}
