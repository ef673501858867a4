resource "aws_s3_bucket" "enc" {
  bucket = "acme-enc"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "enc" {
  bucket = aws_s3_bucket.enc.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "alias/acme-s3"
    }
  }
}
