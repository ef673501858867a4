# METADATA
# title: IAM role trust policies do not let anyone assume the role
# description: >-
#   A trust policy that allows Principal "*" (or {"AWS": "*"}) without a condition lets any AWS
#   account in the world assume the role and use its permissions. Statements restricted by a
#   condition (sts:ExternalId, aws:PrincipalOrgID, aws:SourceArn...) are not reported; federated
#   and service principals are not affected. Trust policies written as an
#   aws_iam_policy_document data source are read from it.
# custom:
#   id: PG-AWS-IAM-006
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_role]
#     cloudformation: ["AWS::IAM::Role"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Name the trusted accounts, roles or services in Principal, or add a condition such as
#     aws:PrincipalOrgID or sts:ExternalId to the statement.
#   fixable: false
package policyguard.rules.aws.iam.trust_any_principal

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	policy := input.resource.attributes.assume_role_policy
	is_string(policy)
	json.is_valid(policy)
	doc := json.unmarshal(policy)
	some st in lib.as_array(doc.Statement)
	open_trust(st)
	result := {
		"msg": sprintf("%s: the trust policy lets any AWS principal call %s without a condition", [input.resource.id, json.marshal(object.get(st, "Action", "sts:AssumeRole"))]),
		"path": "assume_role_policy",
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	statements := input.resource.attributes.AssumeRolePolicyDocument.Statement
	some i, st in lib.as_array(statements)
	open_trust(st)
	result := {
		"msg": sprintf("%s: the trust policy lets any AWS principal call %s without a condition", [input.resource.id, json.marshal(object.get(st, "Action", "sts:AssumeRole"))]),
		"path": statement_path(statements, i),
	}
}

# assume_role_policy = data.aws_iam_policy_document.<name>.json: judge the data source's blocks
fail contains result if {
	some block in lib.coll(trust_document.attributes.statement)
	is_object(block)
	object.get(block, "effect", "Allow") == "Allow"
	some p in lib.coll(object.get(block, "principals", []))
	block_everyone(p)
	count(lib.coll(object.get(block, "condition", []))) == 0
	result := {
		"msg": sprintf("%s: the trust policy (%s) lets any AWS principal call %s without a condition", [input.resource.id, trust_document.id, json.marshal(object.get(block, "actions", ["sts:AssumeRole"]))]),
		"path": "",
	}
}

# an unresolved trust policy is reported on its path (the engine turns it into unknown)
fail contains result if {
	some key in ["assume_role_policy", "AssumeRolePolicyDocument"]
	lib.is_unknown(input.resource.attributes[key])
	not trust_document
	result := {"msg": sprintf("%s: the trust policy is not resolved", [input.resource.id]), "path": key}
}

# the self-contained aws_iam_policy_document data source the trust policy is written as
trust_document := src if {
	expr := lib.unknown_expr(input.resource.attributes.assume_role_policy)
	endswith(expr, ".json")
	some ref in input.resource.references
	ref.path == "assume_role_policy"
	ref.expression == expr
	src := input.resources[ref.target]
	src.type == "data.aws_iam_policy_document"
	is_array(src.attributes.statement)
	every key in ["source_policy_documents", "override_policy_documents", "source_json", "override_json"] {
		object.get(src.attributes, key, null) in {null, [], ""}
	}
}

block_everyone(p) if p.type == "*"

block_everyone(p) if {
	p.type == "AWS"
	"*" in p.identifiers
}

open_trust(st) if {
	st.Effect == "Allow"
	everyone(st.Principal)
	not conditioned(st)
}

everyone(p) if p == "*"

everyone(p) if "*" in lib.as_array(p.AWS)

conditioned(st) if {
	is_object(st.Condition)
	count(st.Condition) > 0
}

statement_path(list, i) := sprintf("AssumeRolePolicyDocument.Statement[%d].Principal", [i]) if is_array(list)

statement_path(list, _) := "AssumeRolePolicyDocument.Statement.Principal" if not is_array(list)
