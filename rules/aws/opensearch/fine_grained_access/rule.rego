# METADATA
# title: OpenSearch domains enable fine-grained access control
# description: >-
#   Without fine-grained access control (advanced_security_options /
#   AdvancedSecurityOptions) every principal the domain's access policy admits has full
#   access to every index, document and field, and the domain cannot produce audit logs.
# custom:
#   id: PG-AWS-OPENSEARCH-101
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_opensearch_domain, aws_elasticsearch_domain]
#     cloudformation: ["AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Enable advanced_security_options { enabled = true } with an IAM master user or
#     internal user database (CloudFormation: AdvancedSecurityOptions.Enabled: true); it
#     requires HTTPS, node-to-node and at-rest encryption.
#   fixable: false
package policyguard.rules.aws.opensearch.fine_grained_access

import data.policyguard.lib
import rego.v1

keys := {
	"aws_opensearch_domain": "advanced_security_options", "aws_elasticsearch_domain": "advanced_security_options",
	"AWS::OpenSearchService::Domain": "AdvancedSecurityOptions", "AWS::Elasticsearch::Domain": "AdvancedSecurityOptions",
}

fail contains result if {
	key := keys[input.resource.type]
	opts := block(lib.attr(key))
	not lib.is_unknown(opts)
	not lib.truthy(object.get(lib.obj(opts), enabled_key, null))
	result := {"msg": sprintf("%s: fine-grained access control is not enabled", [input.resource.id]), "path": path(key, opts)}
}

block(x) := lib.first(x) if input.resource.platform == "terraform"

block(x) := x if input.resource.platform == "cloudformation"

enabled_key := "enabled" if input.resource.platform == "terraform"

enabled_key := "Enabled" if input.resource.platform == "cloudformation"

path(key, opts) := key if not is_object(opts)

path(key, opts) := sprintf("%s[0].enabled", [key]) if {
	is_object(opts)
	input.resource.platform == "terraform"
}

path(key, opts) := sprintf("%s.Enabled", [key]) if {
	is_object(opts)
	input.resource.platform == "cloudformation"
}
