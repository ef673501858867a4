# METADATA
# title: Redshift clusters and serverless workgroups are not publicly accessible
# description: >-
#   A publicly accessible cluster gets a public IP address and its endpoint can be reached from
#   the internet wherever security groups allow.
# custom:
#   id: PG-AWS-REDSHIFT-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_redshift_cluster, aws_redshiftserverless_workgroup]
#     cloudformation: ["AWS::Redshift::Cluster", "AWS::RedshiftServerless::Workgroup"]
#   frameworks:
#     nist-800-53: ["AC-3", "SC-7"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Set publicly_accessible = false (CloudFormation: PubliclyAccessible: false).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.redshift.publicly_accessible

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_redshift_cluster"}
	bad(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the cluster is publicly accessible", describe([v | v := input.resource.attributes.publicly_accessible])]),
		"path": "publicly_accessible",
		"fix": {"description": "Make the cluster private", "ops": [{"op": "set", "path": "publicly_accessible", "value": false}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Redshift::Cluster"}
	bad(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the cluster is publicly accessible", describe([v | v := input.resource.attributes.PubliclyAccessible])]),
		"path": "PubliclyAccessible",
		"fix": {"description": "Make the cluster private", "ops": [{"op": "set", "path": "PubliclyAccessible", "value": false}]}
	}
}

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_redshiftserverless_workgroup"}
	bad(value_2)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the workgroup is publicly accessible", describe([v | v := input.resource.attributes.publicly_accessible])]),
		"path": "publicly_accessible",
		"fix": {"description": "Make the workgroup private", "ops": [{"op": "set", "path": "publicly_accessible", "value": false}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::RedshiftServerless::Workgroup"}
	bad(value_3)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the workgroup is publicly accessible", describe([v | v := input.resource.attributes.PubliclyAccessible])]),
		"path": "PubliclyAccessible",
		"fix": {"description": "Make the workgroup private", "ops": [{"op": "set", "path": "PubliclyAccessible", "value": false}]}
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

# the judged value of target 2, null when absent (portable: no undefined arguments under `not`)
value_2 := v if {
	v := input.resource.attributes.publicly_accessible
} else := null

# the judged value of target 3, null when absent (portable: no undefined arguments under `not`)
value_3 := v if {
	v := input.resource.attributes.PubliclyAccessible
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

bad(v) if lib.truthy(v)

bad(v) if lib.is_unknown(v)
