resource "aws_lb" "web" {
  name                       = "web"
  subnets                    = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60718"]
  drop_invalid_header_fields = true
}
