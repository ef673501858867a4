# METADATA
# title: CloudFront distributions log viewer requests
# description: >-
#   Without access logs there is no record of who requested what from the edge: abuse,
#   scraping and data exposure cannot be investigated. Standard logging (logging_config /
#   DistributionConfig.Logging) or a CloudWatch log delivery source for the distribution
#   (standard logging v2, aws_cloudwatch_log_delivery_source) passes.
# custom:
#   id: PG-AWS-CLOUDFRONT-004
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudfront_distribution]
#     cloudformation: ["AWS::CloudFront::Distribution"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add logging_config { bucket = "<log bucket>.s3.amazonaws.com" } (CloudFormation:
#     DistributionConfig.Logging.Bucket), or deliver standard logs v2 through
#     aws_cloudwatch_log_delivery_source.
#   fixable: false
package policyguard.rules.aws.cloudfront.access_logging

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_cloudfront_distribution"
	count(lib.arr(lib.attr("logging_config"))) == 0
	not lib.is_unknown(lib.attr("logging_config"))
	not log_delivery
	result := {"msg": sprintf("%s: viewer requests are not logged", [input.resource.id]), "path": "logging_config"}
}

fail contains result if {
	input.resource.type == "AWS::CloudFront::Distribution"
	cfg := lib.attr("DistributionConfig")
	not lib.is_unknown(cfg)
	object.get(lib.obj(cfg), "Logging", null) == null
	not log_delivery
	result := {"msg": sprintf("%s: viewer requests are not logged", [input.resource.id]), "path": "DistributionConfig.Logging"}
}

# standard logging v2: a delivery source whose resource is this distribution
log_delivery if {
	some ref in lib.arr(input.resource.referenced_by)
	input.resources[ref.source].type in {"aws_cloudwatch_log_delivery_source", "AWS::Logs::DeliverySource"}
}
