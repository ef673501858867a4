resource "aws_cloudwatch_log_group" "app" {
  name = "/acme/app"
  retention_in_days = 365
}
