# METADATA
# title: IAM password policy expires passwords within 90 days
# description: >-
#   A password that never expires stays valid however long ago it leaked. The rule asks for
#   max_password_age between 1 and 90 days; the provider default (0 or unset) means passwords
#   never expire. CIS AWS Foundations asked for 90 days up to v1.2 (1.11); later versions
#   dropped it, so this rule carries no cis-aws tag (PCI DSS 8.3.9 keeps 90 days).
# custom:
#   id: PG-AWS-IAM-011
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_account_password_policy]
#   frameworks:
#     nist-800-53: ["IA-5(1)"]
#     pci-dss-4.0: ["8.3.9"]
#   remediation: >-
#     Set max_password_age = 90 (or fewer days) on aws_iam_account_password_policy.
#   fixable: false
package policyguard.rules.aws.iam.password_max_age

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_iam_account_password_policy"
	v := lib.attr("max_password_age")
	not within(v)
	result := {
		"msg": sprintf("%s: passwords %s (max_password_age %s)", [input.resource.id, consequence(v), describe(input.resource.attributes, "max_password_age")]),
		"path": "max_password_age",
	}
}

# 1-90 days; numbers may be written as strings
within(v) if {
	n := days(v)
	n >= 1
	n <= 90
}

days(v) := v if is_number(v)

days(v) := to_number(v) if {
	is_string(v)
	regex.match(`^[0-9]+$`, v)
}

consequence(v) := "never expire" if v == null

consequence(v) := "never expire" if days(v) == 0

consequence(v) := "stay valid longer than 90 days" if days(v) > 90

consequence(v) := "have an unusable maximum age" if {
	v != null
	not days(v)
}

describe(obj, key) := sprintf("is %s", [json.marshal(obj[key])]) if lib.has(obj, key)

describe(obj, key) := "is not set" if not lib.has(obj, key)
