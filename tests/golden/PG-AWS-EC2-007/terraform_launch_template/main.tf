resource "aws_launch_template" "web" {
  name_prefix = "web-"
  image_id    = "ami-0c55b159cbfafe1f0"

  network_interfaces {
    associate_public_ip_address = "false"
  }
}
