# Terraform converts the string "022" to the number 22 for from_port/to_port
resource "aws_security_group" "ops" {
  name   = "ops"
  vpc_id = "vpc-0a1b2c3d4e5f60718"
}
