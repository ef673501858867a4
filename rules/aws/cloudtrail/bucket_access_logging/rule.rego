# METADATA
# title: The CloudTrail bucket has server access logging enabled
# description: >-
#   Server access logs of the bucket that holds the trail show who read, overwrote or deleted
#   the audit logs themselves. The trail's bucket is found by reference (s3_bucket_name /
#   S3BucketName) or by its literal name; it passes with an inline logging block or a separate
#   aws_s3_bucket_logging (Terraform) or a LoggingConfiguration (CloudFormation). A bucket
#   defined outside the unit is unknown. Judged on the trail: PG-AWS-S3-005 leaves log
#   destination buckets alone.
# custom:
#   id: PG-AWS-CLOUDTRAIL-008
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     cis-aws: ["3.4"]
#     nist-800-53: ["AU-9", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add an aws_s3_bucket_logging for the trail's bucket with a separate target bucket
#     (CloudFormation: LoggingConfiguration.DestinationBucketName on the bucket).
#   fixable: false
package policyguard.rules.aws.cloudtrail.bucket_access_logging

import data.policyguard.lib
import rego.v1

names := {
	"terraform": {"trail_bucket": "s3_bucket_name", "bucket_type": "aws_s3_bucket", "name": "bucket"},
	"cloudformation": {"trail_bucket": "S3BucketName", "bucket_type": "AWS::S3::Bucket", "name": "BucketName"},
}

k := names[input.resource.platform]

trail_bucket := lib.attr(k.trail_bucket)

# the trail's bucket resources in this unit
buckets contains ref.target if {
	some ref in lib.coll(input.resource.references)
	ref.path == k.trail_bucket
	input.resources[ref.target].type == k.bucket_type
}

buckets contains id if {
	is_string(trail_bucket)
	some id, r in input.resources
	r.type == k.bucket_type
	object.get(lib.obj(r.attributes), k.name, null) == trail_bucket
}

# status of one bucket: "on", "off" or "unknown"
status(id) := "on" if logging_on(id) else := "unknown" if logging_unresolved(id) else := "off"

logging_on(id) if {
	input.resource.platform == "terraform"
	some block in lib.coll(object.get(lib.obj(input.resources[id].attributes), "logging", []))
	is_object(block)
	not lib.is_unknown(block)
}

logging_on(id) if {
	input.resource.platform == "terraform"
	some lid, r in input.resources
	r.type == "aws_s3_bucket_logging"
	companion_of(lid, r, id)
}

logging_on(id) if {
	input.resource.platform == "cloudformation"
	conf := object.get(lib.obj(input.resources[id].attributes), "LoggingConfiguration", null)
	is_object(conf)
	not lib.is_unknown(conf)
}

logging_unresolved(id) if {
	some key in ["logging", "LoggingConfiguration"]
	lib.is_unknown(object.get(lib.obj(input.resources[id].attributes), key, null))
}

companion_of(lid, _, id) if {
	some ref in lib.coll(input.resources[id].referenced_by)
	object.get(ref, "source", ref.target) == lid
	ref.path == "bucket"
}

companion_of(_, r, id) if {
	name := object.get(lib.obj(input.resources[id].attributes), "bucket", null)
	is_string(name)
	object.get(lib.obj(r.attributes), "bucket", null) == name
}

# a logging resource for the trail's literal bucket name, the bucket itself defined elsewhere
logged_by_name if {
	is_string(trail_bucket)
	some r in input.resources
	r.type == "aws_s3_bucket_logging"
	object.get(lib.obj(r.attributes), "bucket", null) == trail_bucket
}

fail contains result if {
	some id in buckets
	status(id) == "off"
	not logged_by_name
	result := {
		"msg": sprintf("%s: the trail's bucket %s has no server access logging, so access to the audit logs is not recorded", [input.resource.id, id]),
		"path": "",
	}
}

unknown contains result if {
	some id in buckets
	status(id) == "unknown"
	not logged_by_name
	result := {
		"msg": sprintf("%s: the logging configuration of the trail's bucket %s is not resolved", [input.resource.id, id]),
		"path": "",
		"expr": id,
	}
}

unknown contains result if {
	count(buckets) == 0
	not logged_by_name
	result := {
		"msg": sprintf("%s: the trail's bucket is not defined in this unit, so whether it logs access is not known", [input.resource.id]),
		"path": k.trail_bucket,
		"expr": shown(trail_bucket),
	}
}

shown(v) := lib.unknown_expr(v) if lib.is_unknown(v)

shown(v) := sprintf("%v", [v]) if not lib.is_unknown(v)
