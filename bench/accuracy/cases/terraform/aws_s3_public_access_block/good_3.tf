variable "block" {
  type    = bool
  default = true
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-pab-var"
}

resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = var.block
  block_public_policy     = var.block
  ignore_public_acls      = var.block
  restrict_public_buckets = var.block
}
