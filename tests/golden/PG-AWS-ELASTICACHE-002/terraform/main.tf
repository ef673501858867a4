resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = "cache"
  description          = "session cache"
  engine               = "redis"
  node_type            = "cache.t4g.small"
  num_cache_clusters   = 2
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
}
