# METADATA
# title: CloudWatch log groups keep logs for at least one year
# description: >-
#   A short retention deletes the audit trail an investigation needs; PCI DSS asks for 12 months
#   of audit history. Groups without a retention setting never expire and pass.
# custom:
#   id: PG-AWS-CLOUDWATCH-001
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudwatch_log_group]
#     cloudformation: ["AWS::Logs::LogGroup"]
#   frameworks:
#     nist-800-53: ["AU-11"]
#     pci-dss-4.0: ["10.5.1"]
#   remediation: >-
#     Set retention_in_days (CloudFormation: RetentionInDays) to 365 or more, or archive the
#     logs elsewhere for a year.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.aws.cloudwatch.log_group_retention

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_cloudwatch_log_group"}
	lib.has(input.resource.attributes, "retention_in_days")
	not input.resource.attributes.retention_in_days == 0
	not at_least(value_0, 365)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "logs are kept for less than 365 days", describe([v | v := input.resource.attributes.retention_in_days])]),
		"path": "retention_in_days",
		"fix": {"description": "Keep logs for one year", "ops": [{"op": "set", "path": "retention_in_days", "value": 365}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Logs::LogGroup"}
	lib.has(input.resource.attributes, "RetentionInDays")
	not at_least(value_1, 365)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "logs are kept for less than 365 days", describe([v | v := input.resource.attributes.RetentionInDays])]),
		"path": "RetentionInDays",
		"fix": {"description": "Keep logs for one year", "ops": [{"op": "set", "path": "RetentionInDays", "value": 365}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.retention_in_days
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.RetentionInDays
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

# numbers may be written as strings (CloudFormation); anything else is not "at least n"
at_least(v, n) if {
	is_number(v)
	v >= n
}

at_least(v, n) if {
	is_string(v)
	regex.match(`^[0-9]+$`, v)
	to_number(v) >= n
}
