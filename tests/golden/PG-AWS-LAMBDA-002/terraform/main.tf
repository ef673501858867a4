resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::111122223333:role/worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "worker.zip"

  tracing_config {
    mode = "Active"
  }
}
