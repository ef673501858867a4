variable "admin_cidrs" {
  type    = list(string)
  default = ["::/0"]
}

resource "aws_security_group" "ops" {
  name = "ops"
}

resource "aws_security_group_rule" "ops_ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.ops.id
  from_port         = 20
  to_port           = 25
  protocol          = "tcp"
  ipv6_cidr_blocks  = var.admin_cidrs
}
