# METADATA
# title: RDS database instances are deployed across multiple Availability Zones
# description: >-
#   A single-AZ instance is unavailable during an Availability Zone outage and during some
#   maintenance; Multi-AZ keeps a synchronous standby and fails over automatically.
# custom:
#   id: PG-AWS-RDS-006
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_db_instance]
#     cloudformation: ["AWS::RDS::DBInstance"]
#   frameworks:
#     soc2: ["A1.2"]
#   remediation: >-
#     Set multi_az = true (CloudFormation: MultiAZ: true) for production databases. Aurora
#     clusters get the same effect by running instances in several AZs.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.rds.multi_az

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_db_instance"}
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the instance is single-AZ", describe([v | v := input.resource.attributes.multi_az])]),
		"path": "multi_az",
		"fix": {"description": "Deploy the instance Multi-AZ", "ops": [{"op": "set", "path": "multi_az", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::RDS::DBInstance"}
	not lib.has(input.resource.attributes, "DBClusterIdentifier")
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the instance is single-AZ", describe([v | v := input.resource.attributes.MultiAZ])]),
		"path": "MultiAZ",
		"fix": {"description": "Deploy the instance Multi-AZ", "ops": [{"op": "set", "path": "MultiAZ", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.multi_az
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.MultiAZ
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
