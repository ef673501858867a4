resource "aws_lambda_function_url" "worker" {
  function_name      = "worker"
  authorization_type = "AWS_IAM"
}
