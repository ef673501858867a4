# METADATA
# title: IAM password policy requires an uppercase letter
# description: >-
#   Requiring an uppercase letter in every IAM user password enlarges the space a guessing or
#   cracking attack must search. The provider default of require_uppercase_characters is false. CIS AWS
#   Foundations dropped the complexity controls after v1.2 (1.5) in favour of length (1.8,
#   PG-AWS-IAM-004), so this rule carries no cis-aws tag; PCI DSS still asks for mixed characters.
# custom:
#   id: PG-AWS-IAM-007
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_account_password_policy]
#   frameworks:
#     nist-800-53: ["IA-5(1)"]
#     pci-dss-4.0: ["8.3.6"]
#   remediation: >-
#     Set require_uppercase_characters = true on aws_iam_account_password_policy.
#   fixable: false
package policyguard.rules.aws.iam.password_require_uppercase

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_iam_account_password_policy"
	not lib.truthy(lib.attr("require_uppercase_characters"))
	result := {
		"msg": sprintf("%s: passwords need not contain an uppercase letter (require_uppercase_characters %s)", [input.resource.id, describe(input.resource.attributes, "require_uppercase_characters")]),
		"path": "require_uppercase_characters",
	}
}

describe(obj, key) := sprintf("is %s", [json.marshal(obj[key])]) if lib.has(obj, key)

describe(obj, key) := "is not set, default false" if not lib.has(obj, key)
