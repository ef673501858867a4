resource "aws_security_group" "win" {
  name = "windows"
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["192.168.10.0/24"]
  }
}
