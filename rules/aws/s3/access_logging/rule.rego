# METADATA
# title: S3 buckets have server access logging enabled
# description: >-
#   Server access logs record every request made to a bucket (requester, operation, object,
#   result), which is what an investigation needs to tell which objects were read or changed.
#   Buckets that receive logs themselves (targets of S3 access logging, CloudTrail, AWS Config,
#   load balancer, VPC flow log or CloudFront logs) are not judged.
# custom:
#   id: PG-AWS-S3-005
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_s3_bucket]
#     cloudformation: ["AWS::S3::Bucket"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Terraform: add an aws_s3_bucket_logging resource (target_bucket = a dedicated log bucket).
#     CloudFormation: set LoggingConfiguration.DestinationBucketName. CloudTrail data events are
#     an alternative for object-level auditing.
#   fixable: false
package policyguard.rules.aws.s3.access_logging

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	not input.resource.attributes.logging[0].target_bucket
	count(companions) == 0
	not log_target
	result := {
		"msg": sprintf("%s: access logging is not enabled (no inline logging block and no aws_s3_bucket_logging resource for this bucket)", [input.resource.id]),
		"path": "logging",
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	not input.resource.attributes.LoggingConfiguration
	not log_target
	result := {
		"msg": sprintf("%s: access logging is not enabled (LoggingConfiguration is not set)", [input.resource.id]),
		"path": "LoggingConfiguration",
	}
}

companions := [r |
	some id, r in input.resources
	r.type == "aws_s3_bucket_logging"
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

# attributes through which a service delivers its logs into a bucket
log_delivery_paths := [
	"target_bucket", "logging", "LoggingConfiguration", # S3 server access logs
	"s3_bucket_name", "S3BucketName", # CloudTrail, AWS Config
	"access_logs", "LoadBalancerAttributes", # load balancers
	"log_destination", "LogDestination", # VPC flow logs
	"logging_config", "DistributionConfig.Logging", # CloudFront
]

# this bucket is a log destination (by reference or by name): logging it would loop
log_target if {
	some ref in input.resource.referenced_by
	some prefix in log_delivery_paths
	startswith(ref.path, prefix)
}

log_target if {
	name := input.resource.attributes.bucket
	is_string(name)
	some r in input.resources
	r.type == "aws_s3_bucket_logging"
	r.attributes.target_bucket == name
}

log_target if {
	name := input.resource.attributes.bucket
	is_string(name)
	some r in input.resources
	r.type == "aws_s3_bucket"
	r.attributes.logging[_].target_bucket == name
}

log_target if {
	name := input.resource.attributes.BucketName
	is_string(name)
	some r in input.resources
	r.attributes.LoggingConfiguration.DestinationBucketName == name
}

# the legacy LogDeliveryWrite canned ACL exists only for log buckets
log_target if input.resource.attributes.AccessControl == "LogDeliveryWrite"

log_target if input.resource.attributes.acl == "log-delivery-write"
