resource "aws_instance" "app" {
  ami           = "ami-0c55b159cbfafe1f0"
  instance_type = "t3.small"

  root_block_device {
    volume_size = 30
    volume_type = "gp3"
    encrypted   = true
  }
}
