# METADATA
# title: No IAM identity is granted AWSCloudShellFullAccess
# description: >-
#   AWSCloudShellFullAccess lets an identity open CloudShell and upload or download files
#   through it, a data path around egress controls and proxies. CIS AWS 1.22 asks to restrict
#   it: grant CloudShell with a narrower policy (no file transfer actions) instead. Judged on
#   every attachment of the managed policy: policy attachments, managed_policy_arns /
#   ManagedPolicyArns, a data.aws_iam_policy of that name.
# custom:
#   id: PG-AWS-IAM-015
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_role_policy_attachment, aws_iam_group_policy_attachment, aws_iam_user_policy_attachment, aws_iam_policy_attachment, aws_iam_role, aws_iam_role_policy_attachments_exclusive, aws_iam_group_policy_attachments_exclusive, aws_iam_user_policy_attachments_exclusive]
#     cloudformation: ["AWS::IAM::Role", "AWS::IAM::Group", "AWS::IAM::User"]
#   frameworks:
#     cis-aws: ["1.22"]
#     nist-800-53: ["AC-6", "SC-7"]
#     soc2: ["CC6.3"]
#   remediation: >-
#     Detach AWSCloudShellFullAccess and attach a customer managed policy that allows
#     cloudshell:* except cloudshell:GetFileDownloadUrls and cloudshell:GetFileUploadUrls.
#   fixable: false
package policyguard.rules.aws.iam.cloudshell_full_access

import data.policyguard.lib
import rego.v1

policy_name := "AWSCloudShellFullAccess"

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

# [path, value] of every policy ARN this resource attaches
arns contains [key, v] if {
	key := single_keys[input.resource.type]
	v := lib.attr(key)
}

arns contains [sprintf("%s[%d]", [key, i]), v] if {
	key := list_keys[input.resource.type]
	some i, v in lib.arr(lib.attr(key))
}

fail contains result if {
	some pair in arns
	names_policy(pair[1], pair[0])
	result := {
		"msg": sprintf("%s: attaches %s, which allows file transfer through CloudShell", [input.resource.id, policy_name]),
		"path": judged_path(pair[1], pair[0]),
	}
}

# an ARN known only by its expression (`!Sub arn:${AWS::Partition}:...`, a data source) still
# names the policy: point above the unresolved value, or the engine would report unknown
judged_path(v, path) := path if not lib.is_unknown(v)

judged_path(v, path) := parent(path) if lib.is_unknown(v)

parent(path) := split(path, "[")[0] if contains(path, "[")

parent(path) := "" if not contains(path, "[")

names_policy(v, _) if {
	is_string(v)
	endswith(v, sprintf(":policy/%s", [policy_name]))
}

names_policy(v, _) if {
	lib.is_unknown(v)
	contains(lib.str(lib.unknown_expr(v)), sprintf("policy/%s", [policy_name]))
}

# policy_arn = data.aws_iam_policy.<x>.arn, the data source naming the policy
names_policy(v, path) if {
	lib.is_unknown(v)
	some ref in lib.coll(input.resource.references)
	startswith(ref.path, split(path, "[")[0])
	src := input.resources[ref.target]
	src.type == "data.aws_iam_policy"
	some key in ["name", "arn"]
	endswith(lib.str(object.get(lib.obj(src.attributes), key, "")), policy_name)
}
