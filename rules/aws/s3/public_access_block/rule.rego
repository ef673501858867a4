# METADATA
# title: S3 buckets block public access
# description: >-
#   All four S3 Block Public Access settings stop ACLs and bucket policies from ever making
#   objects public, whatever a later change or a careless upload does. AWS turns them on for
#   new buckets, but only a declared configuration keeps them enforced against drift and makes
#   the intent reviewable. A bucket passes when it has its own public access block (inline in
#   CloudFormation, a separate aws_s3_bucket_public_access_block in Terraform) or when the same
#   configuration sets an account-level block with all four settings.
# custom:
#   id: PG-AWS-S3-002
#   severity: high
#   profile: baseline
#   confidence: medium
#   resource_types:
#     terraform: [aws_s3_bucket, aws_s3_bucket_public_access_block, aws_s3_account_public_access_block]
#     cloudformation: ["AWS::S3::Bucket"]
#   frameworks:
#     cis-aws: ["2.1.4"]
#     nist-800-53: ["AC-3", "AC-4"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Terraform: add an aws_s3_bucket_public_access_block for the bucket with block_public_acls,
#     block_public_policy, ignore_public_acls and restrict_public_buckets all true.
#     CloudFormation: set PublicAccessBlockConfiguration with the four settings true.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.s3.public_access_block

import data.policyguard.lib
import rego.v1

tf_settings := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

cfn_settings := ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"]

# Terraform bucket: no public access block of its own, and no complete account-level block
fail contains result if {
	input.resource.type == "aws_s3_bucket"
	count(companions("aws_s3_bucket_public_access_block")) == 0
	not account_block_complete
	result := {
		"msg": sprintf("%s: no aws_s3_bucket_public_access_block for this bucket (and no account-level block with all four settings)", [input.resource.id]),
		"path": "",
		"fix": {
			"description": "Add a public access block with all four settings enabled",
			"ops": [{"op": "add_resource", "path": "", "value": {
				"type": "aws_s3_bucket_public_access_block",
				"name": input.resource.name,
				"attributes": {
					"bucket": sprintf("${aws_s3_bucket.%s.id}", [input.resource.name]),
					"block_public_acls": true,
					"block_public_policy": true,
					"ignore_public_acls": true,
					"restrict_public_buckets": true,
				},
			}}],
		},
	}
}

# Terraform block resources (bucket or account level): every setting must be true (default false)
fail contains result if {
	input.resource.type in {"aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block"}
	some setting in tf_settings
	not lib.truthy(object.get(input.resource.attributes, setting, null))
	result := {
		"msg": sprintf("%s: %s is not enabled (%s)", [input.resource.id, setting, describe(input.resource.attributes, setting)]),
		"path": setting,
		"fix": {"description": sprintf("Enable %s", [setting]), "ops": [{"op": "set", "path": setting, "value": true}]},
	}
}

# CloudFormation: the inline configuration is missing
fail contains result if {
	input.resource.platform == "cloudformation"
	not input.resource.attributes.PublicAccessBlockConfiguration
	result := {
		"msg": sprintf("%s: PublicAccessBlockConfiguration is not set", [input.resource.id]),
		"path": "PublicAccessBlockConfiguration",
		"fix": {"description": "Block all public access", "ops": [{"op": "set", "path": "PublicAccessBlockConfiguration", "value": {s: true | some s in cfn_settings}}]},
	}
}

# CloudFormation: a setting is missing or false (an unresolved configuration is reported unknown)
fail contains result if {
	input.resource.platform == "cloudformation"
	conf := input.resource.attributes.PublicAccessBlockConfiguration
	is_object(conf)
	not lib.is_unknown(conf)
	some setting in cfn_settings
	not lib.truthy(object.get(conf, setting, null))
	path := sprintf("PublicAccessBlockConfiguration.%s", [setting])
	result := {
		"msg": sprintf("%s: %s is not enabled (%s)", [input.resource.id, setting, describe(conf, setting)]),
		"path": path,
		"fix": {"description": sprintf("Enable %s", [setting]), "ops": [{"op": "set", "path": path, "value": true}]},
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	lib.is_unknown(input.resource.attributes.PublicAccessBlockConfiguration)
	result := {
		"msg": sprintf("%s: PublicAccessBlockConfiguration is not resolved", [input.resource.id]),
		"path": "PublicAccessBlockConfiguration",
	}
}

describe(obj, key) := sprintf("found %s", [json.marshal(obj[key])]) if lib.has(obj, key)

describe(obj, key) := "not set" if not lib.has(obj, key)

account_block_complete if {
	some r in input.resources
	r.type == "aws_s3_account_public_access_block"
	every setting in tf_settings {
		lib.truthy(r.attributes[setting])
	}
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
