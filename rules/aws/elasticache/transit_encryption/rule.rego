# METADATA
# title: ElastiCache replication groups encrypt traffic in transit
# description: >-
#   Without TLS, cached data (often sessions and tokens) and AUTH credentials travel in clear
#   text between clients and nodes.
# custom:
#   id: PG-AWS-ELASTICACHE-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_elasticache_replication_group]
#     cloudformation: ["AWS::ElastiCache::ReplicationGroup"]
#   frameworks:
#     nist-800-53: ["SC-8"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Set transit_encryption_enabled = true (CloudFormation: TransitEncryptionEnabled: true) and
#     connect clients with TLS.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.elasticache.transit_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_elasticache_replication_group"}
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "in-transit encryption is not enabled", describe([v | v := input.resource.attributes.transit_encryption_enabled])]),
		"path": "transit_encryption_enabled",
		"fix": {"description": "Enable in-transit encryption", "ops": [{"op": "set", "path": "transit_encryption_enabled", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::ElastiCache::ReplicationGroup"}
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "in-transit encryption is not enabled", describe([v | v := input.resource.attributes.TransitEncryptionEnabled])]),
		"path": "TransitEncryptionEnabled",
		"fix": {"description": "Enable in-transit encryption", "ops": [{"op": "set", "path": "TransitEncryptionEnabled", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.transit_encryption_enabled
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.TransitEncryptionEnabled
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
