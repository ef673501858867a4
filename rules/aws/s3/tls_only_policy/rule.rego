# METADATA
# title: S3 bucket policies deny requests that do not use TLS
# description: >-
#   S3 accepts plain HTTP requests unless the bucket policy denies them; a Deny statement for all
#   principals and actions with the condition aws:SecureTransport = false forces TLS for every
#   client. The policy may be inline (legacy policy argument), a separate aws_s3_bucket_policy,
#   or an AWS::S3::BucketPolicy pointing at the bucket; a policy written as
#   data.aws_iam_policy_document.<name>.json is read from that data source. Policies that cannot
#   be resolved statically give an unknown verdict, not a pass.
# custom:
#   id: PG-AWS-S3-006
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_s3_bucket]
#     cloudformation: ["AWS::S3::Bucket"]
#   frameworks:
#     cis-aws: ["2.1.1"]
#     nist-800-53: ["SC-8"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Add to the bucket policy a statement {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
#     "Resource": [bucket ARN, bucket ARN + "/*"], "Condition": {"Bool": {"aws:SecureTransport":
#     "false"}}}.
#   fixable: false
package policyguard.rules.aws.s3.tls_only_policy

import data.policyguard.lib
import rego.v1

fail contains result if {
	not enforced
	count(unresolved) == 0
	result := {
		"msg": sprintf("%s: %s", [input.resource.id, why]),
		"path": fail_path,
	}
}

unknown contains result if {
	not enforced
	some expr in unresolved
	result := {
		"msg": sprintf("%s: the bucket policy is not resolved, TLS enforcement cannot be decided", [input.resource.id]),
		"path": "",
		"expr": expr,
	}
}

why := "no bucket policy exists, so plain HTTP requests are accepted" if {
	count(policies) == 0
	count(unresolved) == 0
} else := "no bucket policy statement denies requests with aws:SecureTransport = false"

fail_path := "policy" if {
	input.resource.platform == "terraform"
	not lib.is_unknown(object.get(input.resource.attributes, "policy", null))
}

# the bucket's own policy stood for a data source: point at the resource, not the marker
fail_path := "" if {
	input.resource.platform == "terraform"
	lib.is_unknown(input.resource.attributes.policy)
}

fail_path := "" if input.resource.platform == "cloudformation"

enforced if {
	some doc in documents
	some st in lib.as_array(doc.Statement)
	denies_insecure(st)
}

enforced if {
	some x in data_docs
	some st in lib.coll(x.doc.attributes.statement)
	tf_denies_insecure(st)
}

# Terraform resources that can carry this bucket's policy: the bucket and its policy resources
tf_holders contains input.resource if input.resource.platform == "terraform"

tf_holders contains r if {
	input.resource.platform == "terraform"
	some id, r in input.resources
	r.type == "aws_s3_bucket_policy"
	points_here(id, r, "bucket")
}

# every policy attached to this bucket, as written (string, object or unknown marker)
policies contains p if {
	some r in tf_holders
	p := r.attributes.policy
	p != null
	p != ""
}

# policy = data.aws_iam_policy_document.<name>.json: the data source in this unit stands for the
# unresolved JSON when nothing is merged into it (source/override documents stay unknown)
data_docs contains {"expr": expr, "doc": d} if {
	some r in tf_holders
	lib.is_unknown(r.attributes.policy)
	expr := lib.unknown_expr(r.attributes.policy)
	endswith(expr, ".json")
	some ref in r.references
	ref.path == "policy"
	ref.expression == expr
	d := input.resources[ref.target]
	d.type == "data.aws_iam_policy_document"
	self_contained(d)
}

self_contained(d) if {
	is_array(d.attributes.statement)
	every key in ["source_policy_documents", "override_policy_documents", "source_json", "override_json"] {
		object.get(d.attributes, key, null) in {null, [], ""}
	}
}

policies contains p if {
	input.resource.platform == "cloudformation"
	some id, r in input.resources
	r.type == "AWS::S3::BucketPolicy"
	points_here(id, r, "Bucket")
	p := r.attributes.PolicyDocument
}

documents contains doc if {
	some p in policies
	is_string(p)
	json.is_valid(p)
	doc := json.unmarshal(p)
}

documents contains p if {
	some p in policies
	is_object(p)
	not lib.is_unknown(p)
}

unresolved contains expr if {
	some p in policies
	lib.is_unknown(p)
	expr := lib.unknown_expr(p)
	not resolved_by_data(expr)
}

resolved_by_data(expr) if {
	some x in data_docs
	x.expr == expr
}

points_here(id, _, key) if {
	some ref in input.resource.referenced_by
	object.get(ref, "source", ref.target) == id
	ref.path == key
}

points_here(_, r, key) if {
	some name_key in ["bucket", "BucketName"]
	name := input.resource.attributes[name_key]
	is_string(name)
	r.attributes[key] == name
}

denies_insecure(st) if {
	st.Effect == "Deny"
	every_principal(st.Principal)
	some action in lib.as_array(st.Action)
	action in {"*", "s3:*"}
	some operator, conditions in lib.coll(st.Condition)
	operator in {"Bool", "BoolIfExists"}
	some key, value in lib.coll(conditions)
	lower(lib.str(key)) == "aws:securetransport"
	some v in lib.as_array(value)
	lib.falsy(v)
}

every_principal(p) if p == "*"

every_principal(p) if "*" in lib.as_array(p.AWS)

# the same statement in aws_iam_policy_document block form (effect defaults to Allow)
tf_denies_insecure(st) if {
	is_object(st)
	object.get(st, "effect", "Allow") == "Deny"
	some action in lib.coll(object.get(st, "actions", []))
	action in {"*", "s3:*"}
	some p in lib.coll(object.get(st, "principals", []))
	p.type in {"*", "AWS"}
	"*" in lib.coll(p.identifiers)
	some c in lib.coll(object.get(st, "condition", []))
	c.test in {"Bool", "BoolIfExists"}
	is_string(c.variable)
	lower(c.variable) == "aws:securetransport"
	some v in lib.coll(c.values)
	lib.falsy(v)
}
