# METADATA
# title: S3 Block Public Access restricts buckets with public policies
# description: >-
#   restrict_public_buckets limits a bucket whose policy is public to AWS service principals and
#   the owner account, so an existing public policy stops granting anonymous or cross-account
#   access. One of the four
#   Block Public Access settings, each its own rule (PG-AWS-S3-002, -009, -010, -011). A bucket
#   passes with its own public access block (a separate aws_s3_bucket_public_access_block in
#   Terraform, PublicAccessBlockConfiguration in CloudFormation) that enables the setting, or
#   when the same configuration's account-level aws_s3_account_public_access_block enables it
#   (the account setting overrides a bucket's). The provider default of each setting is false.
# custom:
#   id: PG-AWS-S3-011
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_s3_bucket, aws_s3_bucket_public_access_block, aws_s3_account_public_access_block]
#     cloudformation: ["AWS::S3::Bucket"]
#   frameworks:
#     cis-aws: ["2.1.4"]
#     nist-800-53: ["AC-3", "AC-4"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Terraform: set restrict_public_buckets = true on the bucket's aws_s3_bucket_public_access_block (or on the
#     account's aws_s3_account_public_access_block). CloudFormation: set
#     PublicAccessBlockConfiguration.RestrictPublicBuckets: true.
#   fixable: false
package policyguard.rules.aws.s3.restrict_public_buckets

import data.policyguard.lib
import rego.v1

setting := "restrict_public_buckets"

cfn_setting := "RestrictPublicBuckets"

# Terraform bucket: no public access block of its own, and no account-level block enabling it
fail contains result if {
	input.resource.type == "aws_s3_bucket"
	count(companions) == 0
	not account_enabled
	result := {
		"msg": sprintf("%s: no aws_s3_bucket_public_access_block for this bucket and no account-level block, so %s is off (default false)", [input.resource.id, setting]),
		"path": "",
	}
}

# Terraform block resources: the setting must be true (an account-level one covers a bucket's)
fail contains result if {
	input.resource.type == "aws_s3_bucket_public_access_block"
	not lib.truthy(lib.attr(setting))
	not account_enabled
	result := {
		"msg": sprintf("%s: %s is not enabled (%s)", [input.resource.id, setting, describe(input.resource.attributes, setting)]),
		"path": setting,
	}
}

fail contains result if {
	input.resource.type == "aws_s3_account_public_access_block"
	not lib.truthy(lib.attr(setting))
	result := {
		"msg": sprintf("%s: %s is not enabled for the account (%s)", [input.resource.id, setting, describe(input.resource.attributes, setting)]),
		"path": setting,
	}
}

# CloudFormation: the inline configuration is missing (or null)
fail contains result if {
	input.resource.platform == "cloudformation"
	lib.attr("PublicAccessBlockConfiguration") == null
	result := {
		"msg": sprintf("%s: PublicAccessBlockConfiguration is not set, so %s is off", [input.resource.id, cfn_setting]),
		"path": "PublicAccessBlockConfiguration",
	}
}

# CloudFormation: the setting is missing or not true; an unresolved configuration or value
# is on the path, so the engine reports unknown
fail contains result if {
	input.resource.platform == "cloudformation"
	conf := lib.attr("PublicAccessBlockConfiguration")
	conf != null
	not lib.is_unknown(conf)
	not lib.truthy(object.get(lib.obj(conf), cfn_setting, null))
	path := sprintf("PublicAccessBlockConfiguration.%s", [cfn_setting])
	result := {
		"msg": sprintf("%s: %s is not enabled (%s)", [input.resource.id, cfn_setting, describe(lib.obj(conf), cfn_setting)]),
		"path": path,
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	lib.is_unknown(lib.attr("PublicAccessBlockConfiguration"))
	result := {
		"msg": sprintf("%s: PublicAccessBlockConfiguration is not resolved", [input.resource.id]),
		"path": "PublicAccessBlockConfiguration",
	}
}

describe(obj, key) := sprintf("found %s", [json.marshal(obj[key])]) if lib.has(obj, key)

describe(obj, key) := "not set" if not lib.has(obj, key)

account_enabled if {
	some r in input.resources
	r.type == "aws_s3_account_public_access_block"
	lib.truthy(object.get(lib.obj(r.attributes), setting, null))
}

# provider v4+ companion blocks of this bucket: linked by reference, or naming the same bucket
companions := [id |
	some id, r in input.resources
	r.type == "aws_s3_bucket_public_access_block"
	points_here(id, r)
]

points_here(id, _) if {
	some ref in lib.coll(input.resource.referenced_by)
	object.get(ref, "source", ref.target) == id
	ref.path == "bucket"
}

points_here(_, r) if {
	name := lib.attr("bucket")
	is_string(name)
	object.get(lib.obj(r.attributes), "bucket", null) == name
}
