# METADATA
# title: ElastiCache replication groups encrypt data at rest
# description: >-
#   Without at-rest encryption, snapshots and data swapped to disk are stored unencrypted.
# custom:
#   id: PG-AWS-ELASTICACHE-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_elasticache_replication_group]
#     cloudformation: ["AWS::ElastiCache::ReplicationGroup"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set at_rest_encryption_enabled = true (CloudFormation: AtRestEncryptionEnabled: true);
#     this requires a new replication group.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.elasticache.at_rest_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_elasticache_replication_group"}
	not object.get(input.resource.attributes, "engine", "redis") == "valkey"
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "at-rest encryption is not enabled", describe([v | v := input.resource.attributes.at_rest_encryption_enabled])]),
		"path": "at_rest_encryption_enabled",
		"fix": {"description": "Enable at-rest encryption", "ops": [{"op": "set", "path": "at_rest_encryption_enabled", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::ElastiCache::ReplicationGroup"}
	not object.get(input.resource.attributes, "Engine", "redis") == "valkey"
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "at-rest encryption is not enabled", describe([v | v := input.resource.attributes.AtRestEncryptionEnabled])]),
		"path": "AtRestEncryptionEnabled",
		"fix": {"description": "Enable at-rest encryption", "ops": [{"op": "set", "path": "AtRestEncryptionEnabled", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.at_rest_encryption_enabled
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.AtRestEncryptionEnabled
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
