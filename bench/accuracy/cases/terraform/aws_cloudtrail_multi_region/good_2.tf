variable "multi_region" {
  default = true
}

resource "aws_cloudtrail" "main" {
  name                       = "org"
  s3_bucket_name             = "acme-trail"
  is_multi_region_trail      = var.multi_region
  is_organization_trail      = true
  enable_log_file_validation = true
}
