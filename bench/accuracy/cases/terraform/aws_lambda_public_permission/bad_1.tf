resource "aws_lambda_permission" "any" {
  statement_id  = "AllowAnyone"
  action        = "lambda:InvokeFunction"
  function_name = "orders-handler"
  principal     = "*"
}
