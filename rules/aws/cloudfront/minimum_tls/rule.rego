# METADATA
# title: CloudFront distributions with a custom certificate require TLS 1.2
# description: >-
#   With an ACM or IAM certificate, minimum_protocol_version (CloudFormation:
#   MinimumProtocolVersion) sets the oldest protocol and ciphers viewers may use; the
#   Terraform provider's default is TLSv1. Policies older than TLSv1.2_2021 accept TLS
#   1.0/1.1 or weak CBC ciphers. Distributions on the default *.cloudfront.net certificate
#   cannot choose and are not judged.
# custom:
#   id: PG-AWS-CLOUDFRONT-002
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
#     Set minimum_protocol_version = "TLSv1.2_2021" (or newer) in viewer_certificate.
#   fixable: false
package policyguard.rules.aws.cloudfront.minimum_tls

import data.policyguard.lib
import rego.v1

modern := {"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}

fail contains result if {
	c := cert
	not lib.truthy(object.get(c.block, c.default_key, null))
	v := object.get(c.block, c.version_key, null)
	not v in modern
	result := {"msg": sprintf("%s: viewers may connect with protocols older than TLS 1.2 (minimum protocol version %s)", [input.resource.id, shown(v)]), "path": concat(".", [c.path, c.version_key])}
}

cert := {"block": lib.obj(b), "path": "viewer_certificate[0]", "default_key": "cloudfront_default_certificate", "version_key": "minimum_protocol_version"} if {
	input.resource.type == "aws_cloudfront_distribution"
	b := lib.first(lib.attr("viewer_certificate"))
	is_object(b)
}

cert := {"block": b, "path": "DistributionConfig.ViewerCertificate", "default_key": "CloudFrontDefaultCertificate", "version_key": "MinimumProtocolVersion"} if {
	input.resource.type == "AWS::CloudFront::Distribution"
	b := object.get(lib.obj(lib.attr("DistributionConfig")), "ViewerCertificate", null)
	is_object(b)
	not lib.is_unknown(b)
}

shown(v) := "not set, TLSv1 by default" if v == null

shown(v) := sprintf("%v", [v]) if v != null
