resource "aws_iam_user_policy" "s3" {
  name = "s3-admin-one-bucket"
  user = "deploy"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:*"
      Resource = ["arn:aws:s3:::acme-site", "arn:aws:s3:::acme-site/*"]
    }]
  })
}
