resource "aws_security_group" "ping" {
  name = "ping"
  ingress {
    description = "ICMP echo from anywhere"
    from_port   = -1
    to_port     = -1
    protocol    = "icmp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
