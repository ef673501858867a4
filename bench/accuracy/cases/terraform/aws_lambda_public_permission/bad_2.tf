variable "invoker" {
  default = "*"
}

resource "aws_lambda_permission" "any" {
  statement_id  = "AllowInvoker"
  action        = "lambda:InvokeFunction"
  function_name = "orders-handler"
  principal     = var.invoker
}
