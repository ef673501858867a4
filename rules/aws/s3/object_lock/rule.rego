# METADATA
# title: S3 buckets have Object Lock enabled
# description: >-
#   Object Lock stores objects write-once-read-many, so even an administrator cannot delete or
#   overwrite them before their retention ends; worth it for backups, audit logs and records
#   under retention rules. It can only be turned on when a bucket is created, so this optional
#   control is low severity.
# custom:
#   id: PG-AWS-S3-007
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_s3_bucket]
#     cloudformation: ["AWS::S3::Bucket"]
#   frameworks:
#     nist-800-53: ["AU-9", "SI-7"]
#   remediation: >-
#     Terraform: set object_lock_enabled = true on the bucket (it forces a new bucket) and add an
#     aws_s3_bucket_object_lock_configuration with a default retention. CloudFormation: set
#     ObjectLockEnabled: true and ObjectLockConfiguration.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.s3.object_lock

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	not lib.truthy(object.get(input.resource.attributes, "object_lock_enabled", null))
	not input.resource.attributes.object_lock_configuration[0].object_lock_enabled == "Enabled"
	result := {
		"msg": sprintf("%s: Object Lock is not enabled (object_lock_enabled is %s)", [input.resource.id, json.marshal(object.get(input.resource.attributes, "object_lock_enabled", "not set"))]),
		"path": "object_lock_enabled",
		"fix": {"description": "Enable Object Lock (creates a new bucket)", "ops": [{"op": "set", "path": "object_lock_enabled", "value": true}]},
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	not lib.truthy(object.get(input.resource.attributes, "ObjectLockEnabled", null))
	result := {
		"msg": sprintf("%s: Object Lock is not enabled (ObjectLockEnabled is %s)", [input.resource.id, json.marshal(object.get(input.resource.attributes, "ObjectLockEnabled", "not set"))]),
		"path": "ObjectLockEnabled",
		"fix": {"description": "Enable Object Lock (creates a new bucket)", "ops": [{"op": "set", "path": "ObjectLockEnabled", "value": true}]},
	}
}
