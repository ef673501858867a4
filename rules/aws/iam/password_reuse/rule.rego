# METADATA
# title: IAM password policy prevents password reuse
# description: >-
#   Without reuse prevention users cycle back to old, possibly leaked passwords.
# custom:
#   id: PG-AWS-IAM-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_account_password_policy]
#   frameworks:
#     cis-aws: ["1.9"]
#     nist-800-53: ["IA-5(1)"]
#     pci-dss-4.0: ["8.3.7"]
#   remediation: >-
#     Set password_reuse_prevention = 24 on aws_iam_account_password_policy.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.iam.password_reuse

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_iam_account_password_policy"}
	not at_least(value_0, 24)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "fewer than the last 24 passwords are blocked from reuse", describe([v | v := input.resource.attributes.password_reuse_prevention])]),
		"path": "password_reuse_prevention",
		"fix": {"description": "Block reuse of the last 24 passwords", "ops": [{"op": "set", "path": "password_reuse_prevention", "value": 24}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.password_reuse_prevention
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
