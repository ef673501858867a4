locals {
  anywhere = "0.0.0.0/0"
}

resource "aws_security_group" "win" {
  name = "windows"
}

resource "aws_security_group_rule" "rdp" {
  type              = "ingress"
  security_group_id = aws_security_group.win.id
  from_port         = 3380
  to_port           = 3399
  protocol          = "tcp"
  cidr_blocks       = [local.anywhere]
}
