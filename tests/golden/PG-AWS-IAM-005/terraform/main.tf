resource "aws_iam_account_password_policy" "this" {
  require_uppercase_characters = true
  require_lowercase_characters = true
  require_numbers              = true
  require_symbols              = true
  minimum_password_length      = 14
  password_reuse_prevention    = 24
}
