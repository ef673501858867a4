resource "aws_cloudtrail" "trail" {
  for_each                   = toset(["security", "audit"])
  name                       = each.key
  s3_bucket_name             = "acme-${each.key}-trail"
  is_multi_region_trail      = true
  enable_log_file_validation = true
}
