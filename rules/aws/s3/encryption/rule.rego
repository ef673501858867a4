# METADATA
# title: S3 buckets declare default server-side encryption
# description: >-
#   A bucket should state its default encryption explicitly (SSE-KMS preferred): the declared
#   configuration is what reviewers and auditors can see, and it is the only place to choose a
#   KMS key whose policy controls who can decrypt. With AWS provider v4+ the configuration lives
#   in a separate aws_s3_bucket_server_side_encryption_configuration resource, which satisfies
#   this rule as well as the legacy inline block.
# custom:
#   id: PG-AWS-S3-001
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_s3_bucket]
#     cloudformation: ["AWS::S3::Bucket"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Terraform: add an aws_s3_bucket_server_side_encryption_configuration resource for the
#     bucket with sse_algorithm = "aws:kms" (and bucket_key_enabled = true). CloudFormation: add
#     BucketEncryption.ServerSideEncryptionConfiguration with SSEAlgorithm aws:kms.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.s3.encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	not configured(object.get(input.resource.attributes, "server_side_encryption_configuration", null))
	count(companions("aws_s3_bucket_server_side_encryption_configuration")) == 0
	result := {
		"msg": sprintf("%s: no default encryption configuration (neither an inline server_side_encryption_configuration block nor an aws_s3_bucket_server_side_encryption_configuration resource for this bucket)", [input.resource.id]),
		"path": "server_side_encryption_configuration",
		"fix": {
			"description": "Add an SSE-KMS default encryption configuration for the bucket",
			"ops": [{"op": "add_resource", "path": "", "value": {
				"type": "aws_s3_bucket_server_side_encryption_configuration",
				"name": input.resource.name,
				"attributes": {
					"bucket": sprintf("${aws_s3_bucket.%s.id}", [input.resource.name]),
					"rule": [{
						"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}],
						"bucket_key_enabled": true,
					}],
				},
			}}],
		},
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	not configured(cfn_rules)
	result := {
		"msg": sprintf("%s: BucketEncryption is not configured", [input.resource.id]),
		"path": cfn_path,
		"fix": {
			"description": "Add an SSE-KMS default encryption configuration",
			"ops": [{"op": "set", "path": "BucketEncryption", "value": {"ServerSideEncryptionConfiguration": [{
				"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"},
				"BucketKeyEnabled": true,
			}]}}],
		},
	}
}

cfn_path := "BucketEncryption.ServerSideEncryptionConfiguration" if {
	_ = input.resource.attributes.BucketEncryption
} else := "BucketEncryption"

# a non-empty list of rules (an unknown marker is not "configured": the engine reports unknown)
configured(x) if {
	is_array(x)
	count(x) > 0
}

# provider v4+ companion resources of this bucket: linked by reference, or naming the same bucket
companions(type) := [r |
	some id, r in input.resources
	r.type == type
	points_here(id, r)
]

points_here(id, _) if {
	some ref in input.resource.referenced_by
	object.get(ref, "source", ref.target) == id
	ref.path == "bucket"
}

points_here(_, r) if {
	name := input.resource.attributes.bucket
	is_string(name)
	r.attributes.bucket == name
}

# portable: bind optional values through a default (OPA leaves `not f(undefined)` undefined)
cfn_rules := r if {
	r := input.resource.attributes.BucketEncryption.ServerSideEncryptionConfiguration
} else := null
