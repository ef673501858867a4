resource "aws_security_group" "debug" {
  name   = "debug"
  vpc_id = "vpc-0a1b2c3d4e5f60718"
}
