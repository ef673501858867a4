resource "aws_security_group" "ping" {
  name = "ping"
}

resource "aws_security_group_rule" "icmp" {
  type              = "ingress"
  security_group_id = aws_security_group.ping.id
  from_port         = -1
  to_port           = -1
  protocol          = "icmp"
  cidr_blocks       = ["0.0.0.0/0"]
}
