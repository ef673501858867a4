# METADATA
# title: IAM password policy lets users replace an expired password
# description: >-
#   With hard_expiry an IAM user whose password expired cannot set a new one and is locked
#   out until an administrator resets it: administrators then hand out temporary passwords
#   by chat or mail, and users avoid expiry by other means. Users should change their own
#   expired password (allow_users_to_change_password). The provider default is false.
# custom:
#   id: PG-AWS-IAM-012
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_account_password_policy]
#   frameworks:
#     nist-800-53: ["IA-5(1)"]
#   remediation: >-
#     Remove hard_expiry (or set it to false) on aws_iam_account_password_policy.
#   fixable: false
package policyguard.rules.aws.iam.password_no_hard_expiry

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_iam_account_password_policy"
	not lib.falsy(object.get(input.resource.attributes, "hard_expiry", false))
	result := {
		"msg": sprintf("%s: users whose password expired are locked out until an administrator resets it (hard_expiry is %s)", [input.resource.id, json.marshal(input.resource.attributes.hard_expiry)]),
		"path": "hard_expiry",
	}
}
