# METADATA
# title: RDS database instances are not publicly accessible
# description: >-
#   A publicly accessible instance gets a DNS name resolving to a public IP address, so the
#   database listener is reachable from the internet whenever a security group allows it.
# custom:
#   id: PG-AWS-RDS-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_db_instance, aws_rds_cluster_instance]
#     cloudformation: ["AWS::RDS::DBInstance"]
#   frameworks:
#     cis-aws: ["2.3.3"]
#     nist-800-53: ["AC-3", "SC-7"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Set publicly_accessible = false (CloudFormation: PubliclyAccessible: false) and reach the
#     database from inside the VPC (VPN, bastion via SSM, or peering).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.rds.publicly_accessible

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_db_instance", "aws_rds_cluster_instance"}
	bad(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the instance is publicly accessible", describe([v | v := input.resource.attributes.publicly_accessible])]),
		"path": "publicly_accessible",
		"fix": {"description": "Make the instance private", "ops": [{"op": "set", "path": "publicly_accessible", "value": false}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::RDS::DBInstance"}
	bad(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the instance is publicly accessible", describe([v | v := input.resource.attributes.PubliclyAccessible])]),
		"path": "PubliclyAccessible",
		"fix": {"description": "Make the instance private", "ops": [{"op": "set", "path": "PubliclyAccessible", "value": false}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.publicly_accessible
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.PubliclyAccessible
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

bad(v) if lib.truthy(v)

bad(v) if lib.is_unknown(v)
