resource "aws_lambda_permission" "account" {
  statement_id  = "AllowAccount"
  action        = "lambda:InvokeFunction"
  function_name = "orders-handler"
  principal     = "444455556666"
}
