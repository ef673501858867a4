# METADATA
# title: IAM policies do not let principals attach managed policies to any user, role or group
# description: >-
#   iam:AttachUserPolicy, iam:AttachRolePolicy or iam:AttachGroupPolicy on every user, role
#   or group lets the holder attach AdministratorAccess to itself (or to a role it can
#   assume). Statements whose resources are named ARNs, that an unconditional Deny takes
#   back, or that a condition on iam: keys or tags scopes are not reported.
# custom:
#   id: PG-AWS-IAM-102
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
#     Name the users, roles or groups in Resource and limit the attachable policies with a
#     condition on iam:PolicyARN, or require a permissions boundary
#     (iam:PermissionsBoundary).
#   fixable: false
package policyguard.rules.aws.iam.attach_policy_escalation

import data.policyguard.iam_identity
import data.policyguard.lib
import rego.v1

actions := ["iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy"]

fail contains result if {
	some g in iam_identity.escalating_grants(actions)
	result := {
		"msg": sprintf("%s: %s allows %s on %s: the holder can attach AdministratorAccess to itself", [input.resource.id, lib.statement_label(g.s.st), concat(", ", g.actions), shown(g.resources)]),
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
