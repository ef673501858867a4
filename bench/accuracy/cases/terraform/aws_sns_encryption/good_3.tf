locals {
  topics = ["orders", "refunds"]
}

resource "aws_sns_topic" "t" {
  count             = length(local.topics)
  name              = local.topics[count.index]
  kms_master_key_id = "alias/aws/sns"
}
