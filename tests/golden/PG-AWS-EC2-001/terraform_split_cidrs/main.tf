# 0.0.0.0/1 + 128.0.0.0/1 is every IPv4 address, ::/1 + 8000::/1 every IPv6 address
resource "aws_security_group" "ops" {
  name   = "ops"
  vpc_id = "vpc-0a1b2c3d4e5f60718"

  ingress {
    description      = "SSH"
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    cidr_blocks      = ["10.0.0.0/8"]
    ipv6_cidr_blocks = []
  }
}
