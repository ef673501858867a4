variable "buckets" {
  default = ["logs", "media"]
}

resource "aws_s3_bucket" "b" {
  count  = length(var.buckets)
  bucket = "acme-${var.buckets[count.index]}"
}

resource "aws_s3_bucket_public_access_block" "b" {
  count                   = length(var.buckets)
  bucket                  = aws_s3_bucket.b[count.index].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
