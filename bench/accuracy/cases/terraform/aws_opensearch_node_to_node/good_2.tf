resource "aws_elasticsearch_domain" "search" {
  domain_name           = "search"
  elasticsearch_version = "7.10"
  node_to_node_encryption {
    enabled = true
  }
}
