resource "aws_s3_bucket" "plain" {
  bucket = "example-plain"
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 20
}
