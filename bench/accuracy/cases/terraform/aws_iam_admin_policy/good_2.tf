resource "aws_iam_policy" "guard" {
  name = "deny-outside-eu"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Deny"
      Action   = "*"
      Resource = "*"
      Condition = {
        StringNotEquals = { "aws:RequestedRegion" = ["eu-west-1"] }
      }
    }]
  })
}
