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
import rego.v1

fail contains result if {
	some s in statements
	s.st.Effect == "Allow"
	wild := [a | some a in lib.as_array(s.st.Action); wildcard(a, s.st)]
	count(wild) > 0
	result := {
		"msg": sprintf("%s: %s allows wildcard actions %s", [input.resource.id, label(s.st), concat(", ", wild)]),
		"path": field_path(s, "Action"),
	}
}

fail contains result if {
	some s in statements
	s.st.Effect == "Allow"
	s.st.NotAction
	result := {
		"msg": sprintf("%s: %s uses Allow with NotAction, granting every action except %s", [input.resource.id, label(s.st), json.marshal(s.st.NotAction)]),
		"path": field_path(s, "NotAction"),
	}
}

# "service:*" (any case), or "*" when the statement does not also cover every resource
wildcard(a, _) if {
	is_string(a)
	regex.match(`^[A-Za-z0-9-]+:\*$`, a)
}

wildcard(a, st) if {
	a in {"*", "*:*"}
	not "*" in lib.as_array(object.get(st, "Resource", []))
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
