resource "aws_cloudtrail" "regional" {
  for_each       = toset(["eu-west-1", "us-east-1"])
  name           = "trail-${each.key}"
  s3_bucket_name = "acme-trail-${each.key}"
}
