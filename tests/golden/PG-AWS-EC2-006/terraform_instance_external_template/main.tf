# a template outside the scan cannot be checked: the instance is judged on its own settings
resource "aws_instance" "web" {
  instance_type = "t3.small"
  launch_template {
    id = "lt-0123456789abcdef0"
  }

  metadata_options {
    http_tokens = "required"
  }
}
