resource "aws_security_group" "internal6" {
  name = "internal-v6"
  ingress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    ipv6_cidr_blocks = ["fd00::/8"]
  }
}
