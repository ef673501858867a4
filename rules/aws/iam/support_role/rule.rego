# METADATA
# title: A role or group can manage AWS Support cases
# description: >-
#   CIS AWS 1.17 asks for an IAM role (or group) with the AWS managed policy AWSSupportAccess,
#   so incidents can be raised with AWS Support without the root user or an administrator. An
#   account-level control: judged on the unit's CloudTrail trail (the resource that marks a unit
#   as an account baseline), passing when any attachment of the unit grants AWSSupportAccess
#   (policy attachments, managed_policy_arns / ManagedPolicyArns, a data.aws_iam_policy of
#   that name). Unresolved policy ARNs make it unknown rather than fail.
# custom:
#   id: PG-AWS-IAM-013
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     cis-aws: ["1.17"]
#     nist-800-53: ["IR-7"]
#     soc2: ["CC7.4"]
#   remediation: >-
#     Attach arn:aws:iam::aws:policy/AWSSupportAccess to a role that your incident responders
#     assume (aws_iam_role_policy_attachment, or ManagedPolicyArns on an AWS::IAM::Role).
#   fixable: false
package policyguard.rules.aws.iam.support_role

import data.policyguard.lib
import rego.v1

policy_name := "AWSSupportAccess"

# attribute holding one ARN, or a list of ARNs, per resource type
single_keys := {
	"aws_iam_role_policy_attachment": "policy_arn",
	"aws_iam_group_policy_attachment": "policy_arn",
	"aws_iam_user_policy_attachment": "policy_arn",
	"aws_iam_policy_attachment": "policy_arn",
}

list_keys := {
	"aws_iam_role": "managed_policy_arns",
	"aws_iam_role_policy_attachments_exclusive": "policy_arns",
	"aws_iam_group_policy_attachments_exclusive": "policy_arns",
	"aws_iam_user_policy_attachments_exclusive": "policy_arns",
	"AWS::IAM::Role": "ManagedPolicyArns",
	"AWS::IAM::Group": "ManagedPolicyArns",
	"AWS::IAM::User": "ManagedPolicyArns",
}

# every policy ARN value the unit attaches, with the resource that holds it
arns contains [id, v] if {
	some id, r in input.resources
	key := single_keys[r.type]
	v := object.get(lib.obj(r.attributes), key, null)
	v != null
}

arns contains [id, v] if {
	some id, r in input.resources
	key := list_keys[r.type]
	some v in lib.coll(object.get(lib.obj(r.attributes), key, []))
}

# a whole list that is unresolved
arns contains [id, v] if {
	some id, r in input.resources
	key := list_keys[r.type]
	v := object.get(lib.obj(r.attributes), key, null)
	lib.is_unknown(v)
}

attached if {
	some pair in arns
	names_support(pair[0], pair[1])
}

names_support(_, v) if {
	is_string(v)
	endswith(v, sprintf(":policy/%s", [policy_name]))
}

names_support(_, v) if {
	lib.is_unknown(v)
	contains(lib.str(lib.unknown_expr(v)), sprintf("policy/%s", [policy_name]))
}

# policy_arn = data.aws_iam_policy.<x>.arn, the data source naming the policy
names_support(id, v) if {
	lib.is_unknown(v)
	some ref in lib.coll(input.resources[id].references)
	ref.path in {"policy_arn", "managed_policy_arns", "policy_arns"}
	src := input.resources[ref.target]
	src.type == "data.aws_iam_policy"
	some key in ["name", "arn"]
	endswith(lib.str(object.get(lib.obj(src.attributes), key, "")), policy_name)
}

unresolved := sort([lib.unknown_expr(pair[1]) | some pair in arns; lib.is_unknown(pair[1]); not names_support(pair[0], pair[1])])

fail contains result if {
	not attached
	count(unresolved) == 0
	result := {
		"msg": sprintf("%s: no role, group or user of this unit has the %s policy, so AWS Support cases need the root user or an administrator (CIS 1.17)", [input.resource.id, policy_name]),
		"path": "",
	}
}

unknown contains result if {
	not attached
	count(unresolved) > 0
	result := {
		"msg": sprintf("%s: some attached policy ARNs are unresolved; one of them may be %s", [input.resource.id, policy_name]),
		"path": "",
		"expr": concat(", ", unresolved),
	}
}
