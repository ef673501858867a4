# METADATA
# title: CloudFront distributions reach custom origins over HTTPS
# description: >-
#   origin_protocol_policy = http-only (CloudFormation: OriginProtocolPolicy) makes
#   CloudFront fetch from the origin in clear text across the internet, whatever the viewer
#   used; match-viewer does so for every HTTP viewer request. S3 REST origins (no custom
#   origin config) are not judged.
# custom:
#   id: PG-AWS-CLOUDFRONT-005
#   severity: medium
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
#     Set origin_protocol_policy = "https-only" with origin_ssl_protocols = ["TLSv1.2"]
#     and a certificate on the origin.
#   fixable: false
package policyguard.rules.aws.cloudfront.origin_https

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_cloudfront_distribution"
	some i, o in lib.arr(lib.attr("origin"))
	c := lib.first(object.get(lib.obj(o), "custom_origin_config", null))
	v := object.get(lib.obj(c), "origin_protocol_policy", null)
	lower(lib.str(v)) in {"http-only", "match-viewer"}
	result := {"msg": sprintf("%s: origin %v is fetched over HTTP (origin protocol policy %s)", [input.resource.id, origin_name(object.get(lib.obj(o), "origin_id", null), i), v]), "path": sprintf("origin[%d].custom_origin_config[0].origin_protocol_policy", [i])}
}

fail contains result if {
	input.resource.type == "AWS::CloudFront::Distribution"
	some i, o in lib.arr(object.get(lib.obj(lib.attr("DistributionConfig")), "Origins", null))
	c := object.get(lib.obj(o), "CustomOriginConfig", null)
	v := object.get(lib.obj(c), "OriginProtocolPolicy", null)
	lower(lib.str(v)) in {"http-only", "match-viewer"}
	result := {"msg": sprintf("%s: origin %v is fetched over HTTP (origin protocol policy %s)", [input.resource.id, origin_name(object.get(lib.obj(o), "Id", null), i), v]), "path": sprintf("DistributionConfig.Origins[%d].CustomOriginConfig.OriginProtocolPolicy", [i])}
}

origin_name(id, _) := sprintf("%q", [id]) if is_string(id)

origin_name(id, i) := sprintf("#%d", [i]) if not is_string(id)
