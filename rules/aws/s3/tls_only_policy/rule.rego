# METADATA
# title: S3 bucket policies deny requests that do not use TLS
# description: >-
#   S3 accepts plain HTTP requests unless the bucket policy denies them; a Deny statement for all
#   principals and actions with the condition aws:SecureTransport = false forces TLS for every
#   client. The policy may be inline (legacy policy argument), a separate aws_s3_bucket_policy,
#   or an AWS::S3::BucketPolicy pointing at the bucket. Policies that cannot be resolved
#   statically (for example built from data sources) give an unknown verdict, not a pass.
# custom:
#   id: PG-AWS-S3-006
#   severity: medium
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

fail_path := "policy" if input.resource.platform == "terraform"

fail_path := "" if input.resource.platform == "cloudformation"

enforced if {
	some doc in documents
	some st in lib.as_array(doc.Statement)
	denies_insecure(st)
}

# every policy attached to this bucket, as written (string, object or unknown marker)
policies contains p if {
	input.resource.platform == "terraform"
	p := input.resource.attributes.policy
	p != null
	p != ""
}

policies contains p if {
	input.resource.platform == "terraform"
	some id, r in input.resources
	r.type == "aws_s3_bucket_policy"
	points_here(id, r, "bucket")
	p := r.attributes.policy
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

unresolved contains lib.unknown_expr(p) if {
	some p in policies
	lib.is_unknown(p)
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
	some operator, conditions in st.Condition
	operator in {"Bool", "BoolIfExists"}
	some key, value in conditions
	lower(key) == "aws:securetransport"
	some v in lib.as_array(value)
	lib.falsy(v)
}

every_principal(p) if p == "*"

every_principal(p) if "*" in lib.as_array(p.AWS)
