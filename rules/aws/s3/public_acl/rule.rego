# METADATA
# title: S3 buckets do not grant public access through ACLs
# description: >-
#   The canned ACLs public-read, public-read-write and authenticated-read (any AWS account)
#   expose the bucket listing or its objects, and public-read-write also lets anyone upload or
#   overwrite. Explicit grants to the AllUsers or AuthenticatedUsers groups do the same. Covers
#   the legacy acl argument of aws_s3_bucket, the provider v4+ aws_s3_bucket_acl resource and
#   CloudFormation AccessControl.
# custom:
#   id: PG-AWS-S3-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_s3_bucket, aws_s3_bucket_acl]
#     cloudformation: ["AWS::S3::Bucket"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Use the private canned ACL (better: object ownership BucketOwnerEnforced, which disables
#     ACLs) and share data through bucket policies scoped to named principals or CloudFront
#     origin access control.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.s3.public_acl

import data.policyguard.lib
import rego.v1

public_canned := {"public-read", "public-read-write", "authenticated-read"}

cfn_public_canned := {"PublicRead", "PublicReadWrite", "AuthenticatedRead"}

public_groups := {
	"http://acs.amazonaws.com/groups/global/AllUsers",
	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}

fail contains result if {
	input.resource.platform == "terraform"
	acl := input.resource.attributes.acl
	acl in public_canned
	result := {
		"msg": sprintf("%s: canned ACL %q makes the bucket public", [input.resource.id, acl]),
		"path": "acl",
		"fix": {"description": "Use the private canned ACL", "ops": [{"op": "set", "path": "acl", "value": "private"}]},
	}
}

fail contains result if {
	input.resource.type == "aws_s3_bucket_acl"
	some i, grant in lib.coll(input.resource.attributes.access_control_policy[0].grant)
	some grantee in lib.coll(grant.grantee)
	grantee.uri in public_groups
	result := {
		"msg": sprintf("%s: grants %s to %s", [input.resource.id, object.get(grant, "permission", "access"), grantee.uri]),
		"path": sprintf("access_control_policy[0].grant[%d]", [i]),
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	acl := input.resource.attributes.AccessControl
	acl in cfn_public_canned
	result := {
		"msg": sprintf("%s: AccessControl %s makes the bucket public", [input.resource.id, acl]),
		"path": "AccessControl",
		"fix": {"description": "Use the Private canned ACL", "ops": [{"op": "set", "path": "AccessControl", "value": "Private"}]},
	}
}

# an unresolved ACL could be public: let the engine report it as unknown
fail contains result if {
	some key in ["acl", "AccessControl"]
	lib.is_unknown(input.resource.attributes[key])
	result := {"msg": sprintf("%s: the bucket ACL is not resolved", [input.resource.id]), "path": key}
}
