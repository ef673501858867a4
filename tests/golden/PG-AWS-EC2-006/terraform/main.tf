resource "aws_instance" "app" {
  ami           = "ami-0c55b159cbfafe1f0"
  instance_type = "t3.small"
  subnet_id     = "subnet-0a1b2c3d4e5f60718"

  metadata_options {
    http_tokens = "required"
  }

}
