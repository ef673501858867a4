# METADATA
# title: S3 bucket policies do not allow access to everyone
# description: >-
#   An Allow statement whose principal is "*" (or {"AWS": "*"}) and that has no condition grants
#   its actions to anyone on the internet, authenticated or not. Statements restricted by a
#   condition (aws:SourceVpce, aws:PrincipalOrgID, aws:SourceArn...) are not reported. Allow
#   with NotPrincipal is reported too: it grants everyone except the listed principals.
# custom:
#   id: PG-AWS-S3-008
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_s3_bucket_policy, aws_s3_bucket]
#     cloudformation: ["AWS::S3::BucketPolicy"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Name the principals that need access, or add a condition that scopes the statement (for
#     example aws:SourceArn of a CloudFront distribution with origin access control, or
#     aws:PrincipalOrgID). Keep the bucket's public access block enabled.
#   fixable: false
package policyguard.rules.aws.s3.public_policy

import data.policyguard.lib
import rego.v1

# Terraform: the policy is a JSON string (heredoc or the evaluated jsonencode)
fail contains result if {
	input.resource.platform == "terraform"
	policy := input.resource.attributes.policy
	is_string(policy)
	json.is_valid(policy)
	doc := json.unmarshal(policy)
	some i, st in lib.as_array(doc.Statement)
	public_allow(st)
	result := {
		"msg": sprintf("%s: policy statement %s allows %s to everyone without a condition", [input.resource.id, label(st, i), json.marshal(object.get(st, "Action", object.get(st, "NotAction", "?")))]),
		"path": "policy",
	}
}

# an unresolved policy could be public: reported unknown by the engine
fail contains result if {
	input.resource.platform == "terraform"
	lib.is_unknown(input.resource.attributes.policy)
	result := {"msg": sprintf("%s: the bucket policy is not resolved", [input.resource.id]), "path": "policy"}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	statements := input.resource.attributes.PolicyDocument.Statement
	some i, st in lib.as_array(statements)
	public_allow(st)
	result := {
		"msg": sprintf("%s: policy statement %s allows %s to everyone without a condition", [input.resource.id, label(st, i), json.marshal(object.get(st, "Action", object.get(st, "NotAction", "?")))]),
		"path": statement_path(statements, i),
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	lib.is_unknown(input.resource.attributes.PolicyDocument)
	result := {"msg": sprintf("%s: the bucket policy is not resolved", [input.resource.id]), "path": "PolicyDocument"}
}

public_allow(st) if {
	st.Effect == "Allow"
	everyone(st.Principal)
	not has_condition(st)
}

public_allow(st) if {
	st.Effect == "Allow"
	st.NotPrincipal
	not has_condition(st)
}

everyone(p) if p == "*"

everyone(p) if "*" in lib.as_array(p.AWS)

has_condition(st) if {
	is_object(st.Condition)
	count(st.Condition) > 0
}

has_condition(st) if lib.is_unknown(st.Condition)

label(st, _) := sprintf("%q", [st.Sid]) if is_string(object.get(st, "Sid", null))

label(st, i) := sprintf("#%d", [i]) if not is_string(object.get(st, "Sid", null))

statement_path(statements, i) := sprintf("PolicyDocument.Statement[%d]", [i]) if is_array(statements)

statement_path(statements, _) := "PolicyDocument.Statement" if not is_array(statements)
