resource "aws_s3_bucket" "site" {
  bucket = "acme-site-assets"
  acl    = "public-read"
}
