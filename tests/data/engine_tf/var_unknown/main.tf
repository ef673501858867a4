variable "x" {
  type = bool
}

variable "alg" {
  type = string
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 20
  encrypted         = var.x
}

resource "aws_s3_bucket" "b" {
  bucket = "example-b"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = var.alg
    }
  }
}
