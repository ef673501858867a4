# METADATA
# title: IAM users receive permissions only through groups
# description: >-
#   Policies attached directly to users (inline user policies, user policy attachments, or
#   CloudFormation user Policies / ManagedPolicyArns) scatter permissions across individual
#   identities, so access reviews miss them and leavers keep rights. Grant permissions to
#   groups (or, better, roles assumed through SSO) instead.
# custom:
#   id: PG-AWS-IAM-003
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_user_policy, aws_iam_user_policy_attachment, aws_iam_policy_attachment]
#     cloudformation: ["AWS::IAM::User", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"]
#   frameworks:
#     cis-aws: ["1.15"]
#     nist-800-53: ["AC-2", "AC-6"]
#     soc2: ["CC6.3"]
#   remediation: >-
#     Move the policy to an IAM group (aws_iam_group_policy / aws_iam_group_policy_attachment,
#     CloudFormation AWS::IAM::Group) and add the user to the group.
#   fixable: false
package policyguard.rules.aws.iam.user_direct_policies

import rego.v1

fail contains result if {
	input.resource.type == "aws_iam_user_policy"
	result := {
		"msg": sprintf("%s: an inline policy is attached directly to user %v", [input.resource.id, object.get(input.resource.attributes, "user", "?")]),
		"path": "",
	}
}

fail contains result if {
	input.resource.type == "aws_iam_user_policy_attachment"
	result := {
		"msg": sprintf("%s: managed policy %v is attached directly to user %v", [input.resource.id, object.get(input.resource.attributes, "policy_arn", "?"), object.get(input.resource.attributes, "user", "?")]),
		"path": "",
	}
}

fail contains result if {
	some key in ["users", "Users"]
	input.resource.type in {"aws_iam_policy_attachment", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
	users := input.resource.attributes[key]
	non_empty(users)
	result := {
		"msg": sprintf("%s: the policy is attached directly to users %v", [input.resource.id, users]),
		"path": key,
	}
}

fail contains result if {
	input.resource.type == "AWS::IAM::User"
	some key in ["Policies", "ManagedPolicyArns"]
	non_empty(input.resource.attributes[key])
	result := {
		"msg": sprintf("%s: the user has %s attached directly", [input.resource.id, key]),
		"path": key,
	}
}

non_empty(x) if {
	is_array(x)
	count(x) > 0
}

# an unresolved list may hold users: the engine reports it as unknown
non_empty(x) if {
	is_object(x)
	x.__unknown__
}
