variable "volumes" {
  default = {
    data = 100
    logs = 20
  }
}

resource "aws_ebs_volume" "v" {
  for_each          = var.volumes
  availability_zone = "eu-west-1a"
  size              = each.value
  encrypted         = false
}
