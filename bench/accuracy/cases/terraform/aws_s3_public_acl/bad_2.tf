variable "bucket_acl" {
  type    = string
  default = "public-read-write"
}

resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}

resource "aws_s3_bucket_acl" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  acl    = var.bucket_acl
}
