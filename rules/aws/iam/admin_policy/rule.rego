# METADATA
# title: IAM policies do not grant full administrative access
# description: >-
#   An Allow statement with Action "*" on Resource "*" grants every permission on every
#   resource: whoever holds it can disable logging, create users and read all data. Covers
#   managed policies, inline role/user/group policies (Terraform and CloudFormation) and the
#   inline_policy blocks of aws_iam_role. Policy documents that cannot be resolved statically
#   give an unknown verdict.
# custom:
#   id: PG-AWS-IAM-001
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_policy, aws_iam_role_policy, aws_iam_user_policy, aws_iam_group_policy, aws_iam_role, data.aws_iam_policy_document]
#     cloudformation: ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"]
#   frameworks:
#     cis-aws: ["1.16"]
#     nist-800-53: ["AC-6"]
#     pci-dss-4.0: ["7.2.1"]
#     soc2: ["CC6.3"]
#   remediation: >-
#     Grant only the actions and resources the principal needs (IAM Access Analyzer can generate
#     a policy from CloudTrail activity). Reserve administrator access for break-glass roles
#     using the AWS managed AdministratorAccess policy with MFA conditions.
#   fixable: false
package policyguard.rules.aws.iam.admin_policy

import data.policyguard.lib
import rego.v1

fail contains result if {
	some s in statements
	s.st.Effect == "Allow"
	some action in lib.as_array(s.st.Action)
	action in {"*", "*:*"}
	"*" in lib.as_array(s.st.Resource)
	result := {
		"msg": sprintf("%s: %s allows Action %q on Resource \"*\" (full administrator access)", [input.resource.id, label(s.st), action]),
		"path": field_path(s, "Action"),
	}
}

# ---------------------------------------------------------------------------------------------
# Permission policy documents of this resource, wherever they are written. Terraform documents
# are JSON strings (heredoc, or jsonencode evaluated by the parser); CloudFormation documents are
# objects. An unresolved document is reported on its path, which the engine turns into unknown.
# ---------------------------------------------------------------------------------------------
documents contains {"path": "policy", "doc": input.resource.attributes.policy} if {
	input.resource.type in {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}
}

documents contains {"path": sprintf("inline_policy[%d].policy", [i]), "doc": doc} if {
	input.resource.type == "aws_iam_role"
	some i, p in lib.arr(input.resource.attributes.inline_policy)
	doc := lib.obj(p).policy
}

documents contains {"path": "PolicyDocument", "doc": input.resource.attributes.PolicyDocument} if {
	input.resource.type in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
}

documents contains {"path": sprintf("Policies[%d].PolicyDocument", [i]), "doc": doc} if {
	input.resource.type in {"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"}
	some i, p in lib.arr(input.resource.attributes.Policies)
	doc := lib.obj(p).PolicyDocument
}

# every statement with the most precise path that can point at it
statements contains {"path": d.path, "st": st} if {
	some d in documents
	is_string(d.doc)
	json.is_valid(d.doc)
	parsed := json.unmarshal(d.doc)
	some st in lib.as_array(parsed.Statement)
}

statements contains {"path": statement_path(d.path, d.doc.Statement, i), "st": st} if {
	some d in documents
	is_object(d.doc)
	not lib.is_unknown(d.doc)
	some i, st in lib.as_array(d.doc.Statement)
}

statement_path(base, list, i) := sprintf("%s.Statement[%d]", [base, i]) if is_array(list)

statement_path(base, list, _) := sprintf("%s.Statement", [base]) if not is_array(list)

# aws_iam_policy_document data sources, in block form: identity-policy statements only (a
# statement with principals belongs to a resource policy such as a key or bucket policy)
statements contains {"path": sprintf("statement[%d]", [i]), "st": st, "fields": block_fields} if {
	input.resource.type == "data.aws_iam_policy_document"
	some i, block in lib.coll(input.resource.attributes.statement)
	is_object(block)
	count(lib.coll(object.get(block, "principals", []))) == 0
	count(lib.coll(object.get(block, "not_principals", []))) == 0
	st := {
		"Sid": object.get(block, "sid", null),
		"Effect": object.get(block, "effect", "Allow"),
		"Action": object.get(block, "actions", []),
		"NotAction": not_actions(block),
		"Resource": object.get(block, "resources", []),
	}
}

block_fields := {"Action": "actions", "NotAction": "not_actions", "Resource": "resources"}

not_actions(block) := block.not_actions if {
	is_array(block.not_actions)
	count(block.not_actions) > 0
} else := false

# a field of a statement: the block attribute, the JSON/object key, or the document itself
field_path(s, key) := sprintf("%s.%s", [s.path, f]) if {
	f := object.get(object.get(s, "fields", {}), key, null)
	f != null
} else := sprintf("%s.%s", [s.path, key]) if {
	contains(s.path, "Statement")
} else := s.path

fail contains result if {
	some d in documents
	lib.is_unknown(d.doc)
	not judged_on_data_source(d)
	result := {"msg": sprintf("%s: the policy document is not resolved", [input.resource.id]), "path": d.path}
}

# policy = data.aws_iam_policy_document.<name>.json with nothing merged into the data source:
# its statements are judged on the data source itself, so the policy is not reported unknown
judged_on_data_source(d) if {
	expr := lib.unknown_expr(d.doc)
	endswith(expr, ".json")
	some ref in input.resource.references
	ref.path == d.path
	ref.expression == expr
	src := input.resources[ref.target]
	src.type == "data.aws_iam_policy_document"
	is_array(src.attributes.statement)
	every key in ["source_policy_documents", "override_policy_documents", "source_json", "override_json"] {
		object.get(src.attributes, key, null) in {null, [], ""}
	}
}

label(st) := sprintf("statement %q", [st.Sid]) if is_string(object.get(st, "Sid", null))

label(st) := "a statement" if not is_string(object.get(st, "Sid", null))
