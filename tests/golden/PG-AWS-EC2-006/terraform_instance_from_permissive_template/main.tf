# the template allows IMDSv1: it is reported; the instance inherits it and is not reported twice
resource "aws_launch_template" "web" {
  name_prefix = "web-"
  image_id    = "ami-0abcdef1234567890"
  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_instance" "web" {
  instance_type = "t3.small"
  launch_template {
    id = aws_launch_template.web.id
  }
}
