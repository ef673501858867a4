# METADATA
# title: Test rule - S3 bucket encrypted (inline block or separate resource)
# description: Cross-resource test rule of the engine test suite.
# custom:
#   id: TEST-S3-001
#   severity: high
#   resource_types:
#     terraform: [aws_s3_bucket]
#   frameworks:
#     cis-aws: ["2.1.1"]
#   remediation: Add an aws_s3_bucket_server_side_encryption_configuration for the bucket.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.test.s3_encrypted

import data.policyguard.lib
import rego.v1

inline_rules contains r if {
	some block in input.resource.attributes.server_side_encryption_configuration
	some r in block.rule
}

separate_rules contains [ref.source, i, r] if {
	some ref in input.resource.referenced_by
	other := input.resources[ref.source]
	other.type == "aws_s3_bucket_server_side_encryption_configuration"
	some i, r in other.attributes.rule
}

fail contains result if {
	count(inline_rules) == 0
	count(separate_rules) == 0
	result := {
		"msg": "S3 bucket has no server-side encryption configuration",
		"path": "server_side_encryption_configuration",
		"fix": {
			"description": "Encrypt objects with SSE-KMS",
			"ops": [{"op": "add_resource", "path": "", "value": {
				"type": "aws_s3_bucket_server_side_encryption_configuration",
				"name": input.resource.name,
				"attributes": {"bucket": sprintf("%s.id", [input.resource.id])},
			}}],
		},
	}
}

# the algorithm of a separate configuration resource comes from an unresolved value
unknown contains result if {
	count(inline_rules) == 0
	some [src, i, r] in separate_rules
	alg := r.apply_server_side_encryption_by_default[0].sse_algorithm
	lib.is_unknown(alg)
	result := {
		"msg": sprintf("encryption algorithm of %s is not known", [src]),
		"path": "",
		"expr": alg.__unknown__,
	}
}
