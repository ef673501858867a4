# METADATA
# title: ElastiCache Redis and Valkey keep automatic backups
# description: >-
#   snapshot_retention_limit (CloudFormation: SnapshotRetentionLimit) defaults to 0: no
#   automatic snapshots are taken, and data that lives only in the cache (sessions, queues,
#   leaderboards) cannot be restored after a failure or a bad write. Memcached has no
#   backups and is not judged.
# custom:
#   id: PG-AWS-ELASTICACHE-101
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_elasticache_replication_group, aws_elasticache_cluster]
#     cloudformation: ["AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::CacheCluster"]
#   frameworks:
#     nist-800-53: ["CP-9"]
#     soc2: ["A1.2"]
#   remediation: >-
#     Set snapshot_retention_limit to 1 or more days (CloudFormation:
#     SnapshotRetentionLimit).
#   fixable: false
package policyguard.rules.aws.elasticache.redis_backups

import data.policyguard.lib
import rego.v1

keys := {
	"aws_elasticache_replication_group": {"days": "snapshot_retention_limit", "engine": "engine", "default_engine": "redis"},
	"aws_elasticache_cluster": {"days": "snapshot_retention_limit", "engine": "engine", "default_engine": null},
	"AWS::ElastiCache::ReplicationGroup": {"days": "SnapshotRetentionLimit", "engine": "Engine", "default_engine": "redis"},
	"AWS::ElastiCache::CacheCluster": {"days": "SnapshotRetentionLimit", "engine": "Engine", "default_engine": null},
}

fail contains result if {
	k := keys[input.resource.type]
	lower(lib.str(object.get(input.resource.attributes, k.engine, k.default_engine))) in {"redis", "valkey"}
	not group_member
	v := lib.attr(k.days)
	not lib.is_unknown(v)
	not positive(v)
	result := {"msg": sprintf("%s: automatic backups are off (%s %s)", [input.resource.id, k.days, shown(v)]), "path": k.days}
}

# a node of a replication group is judged on the group
group_member if {
	input.resource.type == "aws_elasticache_cluster"
	not lib.attr("replication_group_id") in {null, ""}
}

group_member if {
	input.resource.type == "AWS::ElastiCache::CacheCluster"
	not lib.attr("ReplicationGroupId") in {null, ""}
}

# a helper rule, not `not num(v) > 0`: OPA hoists the call out of the negation (undefined for
# null), regorus does not
positive(v) if num(v) > 0

num(x) := x if is_number(x)

num(x) := to_number(x) if {
	is_string(x)
	regex.match(`^[0-9]+$`, x)
}

shown(v) := "not set, 0 by default" if v == null

shown(v) := sprintf("%v", [v]) if v != null
