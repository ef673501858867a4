resource "aws_s3_bucket" "state" {
  bucket = "acme-state"
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Suspended"
  }
}
