resource "aws_elasticache_replication_group" "cache" {
  replication_group_id       = "sessions"
  description                = "sessions"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 2
  at_rest_encryption_enabled = false
  transit_encryption_enabled = true
}
