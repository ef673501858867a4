resource "aws_security_group" "win" {
  name = "windows"
  ingress {
    from_port       = 3389
    to_port         = 3389
    protocol        = "tcp"
    prefix_list_ids = ["pl-0a1b2c3d4e5f60718"]
  }
}
