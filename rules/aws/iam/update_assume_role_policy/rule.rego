# METADATA
# title: IAM policies do not let principals rewrite any role's trust policy
# description: >-
#   iam:UpdateAssumeRolePolicy on every role lets the holder add itself to the trust policy
#   of an administrator role and assume it. Statements whose resources are named ARNs, that
#   an unconditional Deny takes back, or that a condition on iam: keys or tags scopes are
#   not reported.
# custom:
#   id: PG-AWS-IAM-105
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_policy, aws_iam_role_policy, aws_iam_user_policy, aws_iam_group_policy, aws_iam_role, data.aws_iam_policy_document]
#     cloudformation: ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"]
#   frameworks:
#     nist-800-53: ["AC-6", "AC-2"]
#     soc2: ["CC6.3"]
#   remediation: >-
#     Name the roles whose trust policy a pipeline manages in Resource, or remove the
#     action.
#   fixable: false
package policyguard.rules.aws.iam.update_assume_role_policy

import data.policyguard.iam_identity
import data.policyguard.lib
import rego.v1

actions := ["iam:UpdateAssumeRolePolicy"]

fail contains result if {
	some g in iam_identity.escalating_grants(actions)
	result := {
		"msg": sprintf("%s: %s allows %s on %s: the holder can trust itself in any role's trust policy and assume that role", [input.resource.id, lib.statement_label(g.s.st), concat(", ", g.actions), shown(g.resources)]),
		"path": g.path,
	}
}

fail contains result if {
	some u in iam_identity.identity_unresolved
	result := {"msg": u.msg, "path": u.path}
}

# helpers, not inline comprehensions: the webhook's VM mishandles an else after a body that
# iterates
shown(rs) := json.marshal(xs) if {
	xs := named(rs)
	count(xs) > 0
} else := "every resource outside NotResource" if {
	not_resource(rs)
} else := "an unresolved resource"

named(rs) := [x.value | some x in rs; is_string(x.value)]

not_resource(rs) if {
	some x in rs
	x.path == "NotResource"
}
