# METADATA
# title: ElastiCache Redis and Valkey replication groups require authentication
# description: >-
#   Without an AUTH token or RBAC user groups, any client that reaches the replication
#   group's port can read and overwrite every key (sessions, tokens, cached records). An
#   AUTH token requires in-transit encryption, judged by PG-AWS-ELASTICACHE-002. Memcached
#   clusters do not support AUTH and are not judged.
# custom:
#   id: PG-AWS-ELASTICACHE-100
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_elasticache_replication_group]
#     cloudformation: ["AWS::ElastiCache::ReplicationGroup"]
#   frameworks:
#     nist-800-53: ["IA-2", "AC-3"]
#     pci-dss-4.0: ["8.3.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set transit_encryption_enabled = true with auth_token (from a secret) or
#     user_group_ids (CloudFormation: TransitEncryptionEnabled with AuthToken or
#     UserGroupIds).
#   fixable: false
package policyguard.rules.aws.elasticache.redis_auth

import data.policyguard.lib
import rego.v1

keys := {
	"aws_elasticache_replication_group": {"token": "auth_token", "groups": "user_group_ids"},
	"AWS::ElastiCache::ReplicationGroup": {"token": "AuthToken", "groups": "UserGroupIds"},
}

fail contains result if {
	k := keys[input.resource.type]
	lib.attr(k.token) in {null, ""}
	not lib.is_unknown(lib.attr(k.groups))
	count(lib.coll(lib.attr(k.groups))) == 0
	result := {"msg": sprintf("%s: clients connect without authentication (no %s or %s)", [input.resource.id, k.token, k.groups]), "path": k.token}
}
