resource "aws_ebs_volume" "burn" {
  size = 1
}
