resource "aws_ebs_volume" "huge" {
  size      = 1
  encrypted = true
}

resource "aws_ebs_volume" "fine" {
  size      = 1
  encrypted = true
}
