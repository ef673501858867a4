resource "aws_launch_template" "batch" {
  name_prefix = "batch-"
  image_id    = "ami-0c55b159cbfafe1f0"

  metadata_options {
    http_tokens = "required"
  }
}
