resource "aws_sns_topic" "events" {
  for_each = toset(["orders", "refunds"])
  name     = each.key
}
