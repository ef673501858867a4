variable "allow_public_policies" {
  default = true
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-pab-2"
}

resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = !var.allow_public_policies
  ignore_public_acls      = true
  restrict_public_buckets = !var.allow_public_policies
}
