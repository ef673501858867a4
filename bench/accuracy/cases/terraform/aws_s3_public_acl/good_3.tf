resource "aws_s3_bucket" "logs" {
  bucket = "acme-elb-logs"
}

resource "aws_s3_bucket_acl" "logs" {
  bucket = aws_s3_bucket.logs.id
  acl    = "log-delivery-write"
}
