resource "aws_security_group" "wide" {
  name = "wide"
}

resource "aws_security_group_rule" "all" {
  type              = "ingress"
  security_group_id = aws_security_group.wide.id
  from_port         = 0
  to_port           = 65535
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
}
