# METADATA
# title: IAM policies do not let principals rewrite managed policies
# description: >-
#   iam:CreatePolicyVersion (with its default-version flag) or iam:SetDefaultPolicyVersion
#   on any policy lets the holder replace the document of a managed policy attached to
#   itself with one that allows everything, or fall back to an older, broader version: a
#   one-call path to administrator. Statements whose resources are named ARNs, that an
#   unconditional Deny takes back, or that a condition on iam: keys or tags scopes are not
#   reported.
# custom:
#   id: PG-AWS-IAM-101
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
#     Grant policy-version actions only on the specific policy ARNs a deployment pipeline
#     manages, or scope them with a condition on iam:PolicyARN; keep them out of workload
#     roles.
#   fixable: false
package policyguard.rules.aws.iam.policy_version_escalation

import data.policyguard.iam_identity
import data.policyguard.lib
import rego.v1

actions := ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"]

fail contains result if {
	some g in iam_identity.escalating_grants(actions)
	result := {
		"msg": sprintf("%s: %s allows %s on %s: the holder can rewrite any managed policy (including its own) into an administrator policy", [input.resource.id, lib.statement_label(g.s.st), concat(", ", g.actions), shown(g.resources)]),
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
