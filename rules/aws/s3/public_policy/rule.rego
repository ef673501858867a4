# METADATA
# title: S3 bucket policies do not allow access to everyone
# description: >-
#   An Allow statement whose principal is "*" (or {"AWS": "*"}) grants its actions to anyone on
#   the internet, authenticated or not, unless a condition limits the callers: aws:SourceVpce,
#   aws:SourceVpc, aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount, aws:SourceArn
#   (and similar) with specific values, or aws:SourceIp with private or narrow ranges. A
#   condition that does not (aws:SecureTransport, a negated operator, ...IfExists, a 0.0.0.0/0
#   range) is still public. Allow with NotPrincipal is reported too: it grants everyone except
#   the listed principals. Policies written as an aws_iam_policy_document are read from it.
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

policy_keys := {
	"aws_s3_bucket_policy": ["policy"],
	"aws_s3_bucket": ["policy"],
	"AWS::S3::BucketPolicy": ["PolicyDocument"],
}

keys := object.get(policy_keys, input.resource.type, [])

fail contains result if {
	some g in lib.public_grants(keys)
	result := {
		"msg": sprintf("%s: policy %s%s allows %s to everyone without a condition that limits the callers", [input.resource.id, lib.statement_label(g.st), via(g), lib.statement_actions(g.st)]),
		"path": g.path,
	}
}

# an unresolved policy could be public: reported unknown by the engine
fail contains result if {
	some key in lib.unresolved_policies(keys)
	result := {"msg": sprintf("%s: the bucket policy is not resolved", [input.resource.id]), "path": key}
}

via(g) := sprintf(" (in %s)", [g.source]) if g.source != null

via(g) := "" if g.source == null
