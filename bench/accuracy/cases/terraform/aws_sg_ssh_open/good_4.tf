resource "aws_security_group" "bastion" {
  name = "bastion"
}

resource "aws_security_group_rule" "ssh_from_lb" {
  type                     = "ingress"
  security_group_id        = aws_security_group.bastion.id
  from_port                = 22
  to_port                  = 22
  protocol                 = "tcp"
  source_security_group_id = "sg-0123456789abcdef0"
}
