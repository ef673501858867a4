resource "aws_launch_template" "workers" {
  name_prefix = "workers-"
  image_id    = "ami-0c55b159cbfafe1f0"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 50
      encrypted   = "true"
    }
  }
}
