resource "aws_s3_bucket" "internal" {
  bucket = "acme-internal"
}

resource "aws_s3_bucket_policy" "internal" {
  bucket = aws_s3_bucket.internal.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::acme-internal/*"
      Condition = {
        StringEquals = { "aws:SourceVpce" = "vpce-0a1b2c3d4e5f6a7b8" }
      }
    }]
  })
}
