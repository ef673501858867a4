# METADATA
# title: S3 bucket versioning requires MFA to delete versions
# description: >-
#   With MFA delete, permanently deleting an object version or suspending versioning needs the
#   root user's MFA code, so stolen access keys cannot erase a bucket's history. Terraform sets
#   it on aws_s3_bucket_versioning (versioning_configuration.mfa_delete = "Enabled", default
#   "Disabled") or the legacy inline versioning block (mfa_delete = true). CloudFormation cannot
#   enable MFA delete (VersioningConfiguration has only Status), so templates are not judged.
# custom:
#   id: PG-AWS-S3-012
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_s3_bucket, aws_s3_bucket_versioning]
#   frameworks:
#     cis-aws: ["2.1.2"]
#     nist-800-53: ["CP-9", "AU-9"]
#     soc2: ["A1.2"]
#   remediation: >-
#     Set versioning_configuration { status = "Enabled", mfa_delete = "Enabled" } on the bucket's
#     aws_s3_bucket_versioning and pass the root user's MFA device serial and code in mfa (only
#     the root user can change it).
#   fixable: false
package policyguard.rules.aws.s3.mfa_delete

import data.policyguard.lib
import rego.v1

# a bucket without a versioning resource: the legacy inline block decides
fail contains result if {
	input.resource.type == "aws_s3_bucket"
	count(companions) == 0
	block := lib.first(lib.attr("versioning"))
	not lib.truthy(object.get(lib.obj(block), "mfa_delete", null))
	result := bucket_result(block)
}

bucket_result(block) := {
	"msg": sprintf("%s: MFA delete is not enabled (versioning.mfa_delete is %s)", [input.resource.id, json.marshal(block.mfa_delete)]),
	"path": "versioning[0].mfa_delete",
} if {
	lib.has(block, "mfa_delete")
} else := {
	"msg": sprintf("%s: no aws_s3_bucket_versioning resource enables MFA delete for this bucket", [input.resource.id]),
	"path": "versioning",
}

fail contains result if {
	input.resource.type == "aws_s3_bucket_versioning"
	conf := lib.obj(lib.first(lib.attr("versioning_configuration")))
	v := object.get(conf, "mfa_delete", null)
	not enabled(v)
	result := {
		"msg": sprintf("%s: MFA delete is not enabled (mfa_delete is %s)", [input.resource.id, describe(v)]),
		"path": "versioning_configuration[0].mfa_delete",
	}
}

enabled(v) if {
	is_string(v)
	lower(v) == "enabled"
}

describe(v) := "not set, default Disabled" if v == null

describe(v) := json.marshal(v) if v != null

# provider v4+ versioning resources of this bucket: linked by reference, or naming the same bucket
companions := [id |
	some id, r in input.resources
	r.type == "aws_s3_bucket_versioning"
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
