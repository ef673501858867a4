resource "aws_s3_bucket" "data" {
  for_each = toset(["eu", "us"])
  bucket   = "acme-data-${each.key}"
}
