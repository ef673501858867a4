resource "aws_launch_template" "app" {
  name_prefix = "app-"
  image_id    = "ami-0abcdef1234567890"
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
}

resource "aws_instance" "app" {
  instance_type = "t3.micro"
  launch_template {
    id      = aws_launch_template.app.id
    version = "$Latest"
  }
}
