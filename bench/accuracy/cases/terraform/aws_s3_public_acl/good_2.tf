locals {
  acl = "private"
}

resource "aws_s3_bucket" "reports" {
  for_each = toset(["daily", "weekly"])
  bucket   = "acme-reports-${each.key}"
  acl      = local.acl
}
