resource "aws_elasticsearch_domain" "search" {
  domain_name           = "search"
  elasticsearch_version = "7.10"
  encrypt_at_rest {
    enabled    = true
    kms_key_id = "arn:aws:kms:eu-west-1:111122223333:key/abcd"
  }
}
