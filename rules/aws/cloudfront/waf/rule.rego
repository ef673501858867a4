# METADATA
# title: CloudFront distributions are protected by a web ACL
# description: >-
#   Without web_acl_id (CloudFormation: DistributionConfig.WebACLId) requests reach the
#   origin with no filtering of injection, known-bad inputs, bots or request floods at the
#   edge.
# custom:
#   id: PG-AWS-CLOUDFRONT-003
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudfront_distribution]
#     cloudformation: ["AWS::CloudFront::Distribution"]
#   frameworks:
#     nist-800-53: ["SC-7", "SI-4"]
#     pci-dss-4.0: ["6.4.2"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Associate an AWS WAF (v2, CLOUDFRONT scope) web ACL with the distribution through
#     web_acl_id, with at least the AWS managed common rule set.
#   fixable: false
package policyguard.rules.aws.cloudfront.waf

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_cloudfront_distribution"
	lib.attr("web_acl_id") in {null, ""}
	result := {"msg": sprintf("%s: no web ACL filters requests to the distribution", [input.resource.id]), "path": "web_acl_id"}
}

fail contains result if {
	input.resource.type == "AWS::CloudFront::Distribution"
	cfg := lib.attr("DistributionConfig")
	not lib.is_unknown(cfg)
	object.get(lib.obj(cfg), "WebACLId", null) in {null, ""}
	result := {"msg": sprintf("%s: no web ACL filters requests to the distribution", [input.resource.id]), "path": "DistributionConfig.WebACLId"}
}
