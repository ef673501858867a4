resource "aws_iam_role" "mixed" {
  name = "mixed"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = ["arn:aws:iam::444455556666:root", "*"] }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })
}
