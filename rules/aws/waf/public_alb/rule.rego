# METADATA
# title: Internet-facing Application Load Balancers are protected by a web ACL
# description: >-
#   An internet-facing ALB without an AWS WAF association passes every request to its
#   targets unfiltered: injection, known-bad inputs and request floods. Internal load
#   balancers and Network/Gateway Load Balancers (WAF cannot attach to them) are not judged.
#   The association must be in the same scan (aws_wafv2_web_acl_association /
#   AWS::WAFv2::WebACLAssociation naming the load balancer).
# custom:
#   id: PG-AWS-WAF-001
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_lb, aws_alb]
#     cloudformation: ["AWS::ElasticLoadBalancingV2::LoadBalancer"]
#   frameworks:
#     nist-800-53: ["SC-7", "SI-4"]
#     pci-dss-4.0: ["6.4.2"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Create a REGIONAL web ACL and associate it with the load balancer
#     (aws_wafv2_web_acl_association.resource_arn = aws_lb.<name>.arn).
#   fixable: false
package policyguard.rules.aws.waf.public_alb

import data.policyguard.lib
import rego.v1

fail contains result if {
	application
	not is_internal
	not scheme_unknown
	not associated
	result := {"msg": sprintf("%s: the internet-facing load balancer has no web ACL", [input.resource.id]), "path": ""}
}

application if {
	input.resource.platform == "terraform"
	lower(lib.str(object.get(input.resource.attributes, "load_balancer_type", "application"))) in {"application", ""}
}

application if {
	input.resource.platform == "cloudformation"
	lower(lib.str(object.get(input.resource.attributes, "Type", "application"))) in {"application", ""}
}

is_internal if lib.truthy(lib.attr("internal"))

is_internal if lower(lib.str(lib.attr("Scheme"))) == "internal"

# an unresolved scheme: reported on its path, which the engine turns into unknown
fail contains result if {
	application
	some key in ["internal", "Scheme"]
	lib.is_unknown(lib.attr(key))
	not associated
	result := {"msg": sprintf("%s: whether the load balancer is internet-facing is not resolved", [input.resource.id]), "path": key}
}

scheme_unknown if lib.is_unknown(lib.attr("internal"))

scheme_unknown if lib.is_unknown(lib.attr("Scheme"))

associated if {
	some ref in lib.arr(input.resource.referenced_by)
	input.resources[ref.source].type in {"aws_wafv2_web_acl_association", "aws_wafregional_web_acl_association", "AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation"}
}
