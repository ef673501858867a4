variable "versioning" {
  type    = bool
  default = true
}

resource "aws_s3_bucket" "archive" {
  bucket = "acme-archive"
  versioning {
    enabled = var.versioning
  }
}
