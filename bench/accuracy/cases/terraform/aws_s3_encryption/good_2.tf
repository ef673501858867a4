resource "aws_s3_bucket" "enc" {
  bucket = "acme-enc-inline"
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm = "AES256"
      }
    }
  }
}
