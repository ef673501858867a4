# METADATA
# title: IAM policies do not allow wildcard actions
# description: >-
#   Service-wide wildcards such as "s3:*" or "iam:*", a bare "*" on limited resources, or Allow
#   with NotAction grant every current and future action of a service, including destructive
#   and privilege-escalating ones nobody reviewed. Full "*" on "*" is reported by PG-AWS-IAM-001
#   instead.
# custom:
#   id: PG-AWS-IAM-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_policy, aws_iam_role_policy, aws_iam_user_policy, aws_iam_group_policy, aws_iam_role, data.aws_iam_policy_document]
#     cloudformation: ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"]
#   frameworks:
#     nist-800-53: ["AC-6"]
#     soc2: ["CC6.3"]
#   remediation: >-
#     List the specific actions needed (for example s3:GetObject and s3:PutObject instead of
#     s3:*). Prefix wildcards that stay within read-only actions (s3:Get*) are not reported.
#   fixable: false
package policyguard.rules.aws.iam.wildcard_actions

import data.policyguard.lib
import data.policyguard.iam_identity
import rego.v1

fail contains result if {
	some s in statements
	s.st.Effect == "Allow"
	wild := wild_actions(s.st)
	count(wild) > 0
	result := {
		"msg": sprintf("%s: %s allows wildcard actions %s", [input.resource.id, label(s.st), concat(", ", wild)]),
		"path": field_path(s, "Action"),
	}
}

fail contains result if {
	some s in statements
	s.st.Effect == "Allow"
	not object.get(s.st, "NotAction", null) in {null, false}
	result := {
		"msg": sprintf("%s: %s uses Allow with NotAction, granting every action except %s", [input.resource.id, label(s.st), json.marshal(s.st.NotAction)]),
		"path": field_path(s, "NotAction"),
	}
}

# a function, not a comprehension in the iterating body above (the webhook's VM drops such
# bodies when the comprehension is empty)
wild_actions(st) := [a | some a in lib.as_array(object.get(st, "Action", [])); wildcard(a, st)]

# "service:*" (any case), or "*" when the statement does not also cover every resource (the
# regex only for what ends in ":*": it compiles per call, for every action of every statement)
wildcard(a, _) if {
	is_string(a)
	endswith(a, ":*")
	regex.match(`^[A-Za-z0-9-]+:\*$`, a)
}

wildcard(a, st) if {
	a in {"*", "*:*"}
	not "*" in lib.as_array(object.get(st, "Resource", []))
}

# the identity policy statements and unresolved documents of this resource (shared library)
statements := iam_identity.identity_statements

field_path(s, key) := lib.policy_field_path(s, key)

fail contains result if {
	some u in iam_identity.identity_unresolved
	result := {"msg": u.msg, "path": u.path}
}

label(st) := sprintf("statement %q", [st.Sid]) if is_string(object.get(st, "Sid", null))

label(st) := "a statement" if not is_string(object.get(st, "Sid", null))
