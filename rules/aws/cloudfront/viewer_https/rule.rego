# METADATA
# title: CloudFront distributions do not serve viewers over plain HTTP
# description: >-
#   A cache behavior with viewer_protocol_policy = allow-all (CloudFormation:
#   ViewerProtocolPolicy) serves its paths over HTTP as well as HTTPS: cookies, tokens and
#   pages travel in clear text and can be altered on the way. The default behavior and every
#   ordered behavior are judged; redirect-to-https and https-only pass.
# custom:
#   id: PG-AWS-CLOUDFRONT-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudfront_distribution]
#     cloudformation: ["AWS::CloudFront::Distribution"]
#   frameworks:
#     nist-800-53: ["SC-8"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Set viewer_protocol_policy = "redirect-to-https" (or https-only) on every cache
#     behavior.
#   fixable: false
package policyguard.rules.aws.cloudfront.viewer_https

import data.policyguard.lib
import rego.v1

fail contains result if {
	some b in behaviors
	lower(lib.str(b.policy)) == "allow-all"
	result := {"msg": sprintf("%s: the %s serves viewers over HTTP (viewer protocol policy allow-all)", [input.resource.id, b.name]), "path": b.path}
}

fail contains result if {
	some b in behaviors
	lib.is_unknown(b.policy)
	result := {"msg": sprintf("%s: the viewer protocol policy of the %s is not resolved", [input.resource.id, b.name]), "path": b.path}
}

behaviors contains {"name": "default cache behavior", "path": "default_cache_behavior[0].viewer_protocol_policy", "policy": object.get(lib.obj(b), "viewer_protocol_policy", null)} if {
	input.resource.type == "aws_cloudfront_distribution"
	b := lib.first(lib.attr("default_cache_behavior"))
}

behaviors contains {"name": sprintf("cache behavior for %v", [object.get(lib.obj(b), "path_pattern", i)]), "path": sprintf("ordered_cache_behavior[%d].viewer_protocol_policy", [i]), "policy": object.get(lib.obj(b), "viewer_protocol_policy", null)} if {
	input.resource.type == "aws_cloudfront_distribution"
	some i, b in lib.arr(lib.attr("ordered_cache_behavior"))
}

behaviors contains {"name": "default cache behavior", "path": "DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy", "policy": object.get(lib.obj(b), "ViewerProtocolPolicy", null)} if {
	input.resource.type == "AWS::CloudFront::Distribution"
	b := object.get(lib.obj(lib.attr("DistributionConfig")), "DefaultCacheBehavior", null)
}

behaviors contains {"name": sprintf("cache behavior for %v", [object.get(lib.obj(b), "PathPattern", i)]), "path": sprintf("DistributionConfig.CacheBehaviors[%d].ViewerProtocolPolicy", [i]), "policy": object.get(lib.obj(b), "ViewerProtocolPolicy", null)} if {
	input.resource.type == "AWS::CloudFront::Distribution"
	some i, b in lib.arr(object.get(lib.obj(lib.attr("DistributionConfig")), "CacheBehaviors", null))
}
