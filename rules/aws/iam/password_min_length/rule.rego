# METADATA
# title: IAM password policy requires at least 14 characters
# description: >-
#   Short console passwords are the first thing password spraying and offline cracking succeed
#   against; the account default minimum is 8.
# custom:
#   id: PG-AWS-IAM-004
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_account_password_policy]
#   frameworks:
#     cis-aws: ["1.8"]
#     nist-800-53: ["IA-5(1)"]
#     pci-dss-4.0: ["8.3.6"]
#   remediation: >-
#     Set minimum_password_length = 14 or more on aws_iam_account_password_policy.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.iam.password_min_length

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_iam_account_password_policy"}
	not at_least(value_0, 14)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "minimum password length is below 14", describe([v | v := input.resource.attributes.minimum_password_length])]),
		"path": "minimum_password_length",
		"fix": {"description": "Require passwords of at least 14 characters", "ops": [{"op": "set", "path": "minimum_password_length", "value": 14}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.minimum_password_length
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
