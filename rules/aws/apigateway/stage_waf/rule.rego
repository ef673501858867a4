# METADATA
# title: API Gateway REST API stages are protected by a web ACL
# description: >-
#   A REST API stage without an AWS WAF association passes every request to its integrations
#   unfiltered: injection, known-bad inputs and request floods. The association must be in
#   the same scan (aws_wafv2_web_acl_association / AWS::WAFv2::WebACLAssociation naming the
#   stage). HTTP APIs do not support WAF and are not judged.
# custom:
#   id: PG-AWS-APIGATEWAY-103
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_api_gateway_stage]
#     cloudformation: ["AWS::ApiGateway::Stage"]
#   frameworks:
#     nist-800-53: ["SC-7", "SI-4"]
#     pci-dss-4.0: ["6.4.2"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Associate a REGIONAL web ACL with the stage
#     (aws_wafv2_web_acl_association.resource_arn = aws_api_gateway_stage.<name>.arn), or
#     put the API behind CloudFront with a web ACL.
#   fixable: false
package policyguard.rules.aws.apigateway.stage_waf

import data.policyguard.lib
import rego.v1

fail contains result if {
	not associated
	result := {"msg": sprintf("%s: no web ACL filters requests to the stage", [input.resource.id]), "path": ""}
}

associated if {
	some ref in lib.arr(input.resource.referenced_by)
	input.resources[ref.source].type in {"aws_wafv2_web_acl_association", "aws_wafregional_web_acl_association", "AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation"}
}

associated if lib.attr("web_acl_arn") != null
