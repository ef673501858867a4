# METADATA
# title: OpenSearch domain endpoints require TLS 1.2
# description: >-
#   The domain endpoint's TLS security policy defaults to Policy-Min-TLS-1-0-2019-07, which
#   accepts TLS 1.0 and 1.1 with their weak ciphers. Only the TLS 1.2 policies pass.
# custom:
#   id: PG-AWS-OPENSEARCH-103
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_opensearch_domain, aws_elasticsearch_domain]
#     cloudformation: ["AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"]
#   frameworks:
#     nist-800-53: ["SC-8"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Set domain_endpoint_options { tls_security_policy = "Policy-Min-TLS-1-2-PFS-2023-10"
#     } (CloudFormation: DomainEndpointOptions.TLSSecurityPolicy).
#   fixable: false
package policyguard.rules.aws.opensearch.tls_policy

import data.policyguard.lib
import rego.v1

modern := {"Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"}

fail contains result if {
	input.resource.platform == "terraform"
	opts := lib.first(lib.attr("domain_endpoint_options"))
	v := object.get(lib.obj(opts), "tls_security_policy", null)
	not v in modern
	result := {"msg": sprintf("%s: the endpoint accepts TLS older than 1.2 (%s)", [input.resource.id, shown(v)]), "path": tf_path(opts)}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	opts := lib.attr("DomainEndpointOptions")
	not lib.is_unknown(opts)
	v := object.get(lib.obj(opts), "TLSSecurityPolicy", null)
	not v in modern
	result := {"msg": sprintf("%s: the endpoint accepts TLS older than 1.2 (%s)", [input.resource.id, shown(v)]), "path": "DomainEndpointOptions"}
}

tf_path(opts) := "domain_endpoint_options[0].tls_security_policy" if is_object(opts)

tf_path(opts) := "domain_endpoint_options" if not is_object(opts)

shown(v) := "not set: Policy-Min-TLS-1-0-2019-07" if v == null

shown(v) := sprintf("%v", [v]) if v != null
