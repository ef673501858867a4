# METADATA
# title: RDS databases have deletion protection enabled
# description: >-
#   Without deletion protection a single API call or a replacing Terraform/CloudFormation change
#   can delete a production database.
# custom:
#   id: PG-AWS-RDS-004
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_db_instance, aws_rds_cluster]
#     cloudformation: ["AWS::RDS::DBInstance", "AWS::RDS::DBCluster"]
#   frameworks:
#     nist-800-53: ["CP-9"]
#   remediation: >-
#     Set deletion_protection = true (CloudFormation: DeletionProtection: true); disable it
#     deliberately before a planned removal.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.rds.deletion_protection

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_db_instance", "aws_rds_cluster"}
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "deletion protection is not enabled", describe([v | v := input.resource.attributes.deletion_protection])]),
		"path": "deletion_protection",
		"fix": {"description": "Enable deletion protection", "ops": [{"op": "set", "path": "deletion_protection", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}
	not lib.has(input.resource.attributes, "DBClusterIdentifier")
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "deletion protection is not enabled", describe([v | v := input.resource.attributes.DeletionProtection])]),
		"path": "DeletionProtection",
		"fix": {"description": "Enable deletion protection", "ops": [{"op": "set", "path": "DeletionProtection", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.deletion_protection
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.DeletionProtection
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
