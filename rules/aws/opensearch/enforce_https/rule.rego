# METADATA
# title: OpenSearch domains require HTTPS with TLS 1.2 or later
# description: >-
#   A domain that accepts plain HTTP (or TLS 1.0/1.1) exposes queries, documents and credentials
#   to anyone on the network path.
# custom:
#   id: PG-AWS-OPENSEARCH-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_opensearch_domain, aws_elasticsearch_domain]
#     cloudformation: ["AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"]
#   frameworks:
#     nist-800-53: ["SC-8", "SC-13"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Set domain_endpoint_options { enforce_https = true, tls_security_policy = "Policy-Min-
#     TLS-1-2-2019-07" } (CloudFormation: DomainEndpointOptions EnforceHTTPS /
#     TLSSecurityPolicy).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.opensearch.enforce_https

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_opensearch_domain", "aws_elasticsearch_domain"}
	disabled(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "HTTPS is not enforced", describe([v | v := input.resource.attributes.domain_endpoint_options[0].enforce_https])]),
		"path": path_0,
		"fix": {"description": "Enforce HTTPS", "ops": [fix_op_0]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"}
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "HTTPS is not enforced", describe([v | v := input.resource.attributes.DomainEndpointOptions.EnforceHTTPS])]),
		"path": path_1,
		"fix": {"description": "Enforce HTTPS", "ops": [fix_op_1]}
	}
}

# where target 0 is judged: the attribute, or the enclosing block when that is missing
path_0 := "domain_endpoint_options[0].enforce_https" if {
	_ = input.resource.attributes.domain_endpoint_options[0]
} else := "domain_endpoint_options"

fix_op_0 := {"op": "set", "path": "domain_endpoint_options[0].enforce_https", "value": true} if {
	_ = input.resource.attributes.domain_endpoint_options[0]
} else := {"op": "set", "path": "domain_endpoint_options", "value": [{"enforce_https": true}]}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.domain_endpoint_options[0].enforce_https
} else := null

# where target 1 is judged: the attribute, or the enclosing block when that is missing
path_1 := "DomainEndpointOptions.EnforceHTTPS" if {
	_ = input.resource.attributes.DomainEndpointOptions
} else := "DomainEndpointOptions"

fix_op_1 := {"op": "set", "path": "DomainEndpointOptions.EnforceHTTPS", "value": true} if {
	_ = input.resource.attributes.DomainEndpointOptions
} else := {"op": "set", "path": "DomainEndpointOptions", "value": {"EnforceHTTPS": true}}

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.DomainEndpointOptions.EnforceHTTPS
} else := null

# Terraform: enforce_https defaults to true inside domain_endpoint_options, but without the
# block the service default (plain HTTP accepted) applies
fail contains result if {
	input.resource.platform == "terraform"
	not input.resource.attributes.domain_endpoint_options[0]
	result := {
		"msg": sprintf("%s: HTTPS is not enforced (no domain_endpoint_options block)", [input.resource.id]),
		"path": "domain_endpoint_options",
		"fix": {"description": "Enforce HTTPS with TLS 1.2", "ops": [{"op": "set", "path": "domain_endpoint_options", "value": [{"enforce_https": true, "tls_security_policy": "Policy-Min-TLS-1-2-2019-07"}]}]},
	}
}

# TLS 1.0/1.1 policies are judged even when HTTPS is enforced
fail contains result if {
	some p, policy in tls_policy
	policy == "Policy-Min-TLS-1-0-2019-07"
	result := {
		"msg": sprintf("%s: the endpoint TLS policy %s allows TLS 1.0 and 1.1", [input.resource.id, policy]),
		"path": p,
		"fix": {"description": "Require TLS 1.2", "ops": [{"op": "set", "path": p, "value": "Policy-Min-TLS-1-2-2019-07"}]},
	}
}

# keys bound in the body: the compiled VM does not take a partial object rule with a constant key
tls_policy[path] := input.resource.attributes.domain_endpoint_options[0].tls_security_policy if {
	input.resource.platform == "terraform"
	path := "domain_endpoint_options[0].tls_security_policy"
}

tls_policy[path] := input.resource.attributes.DomainEndpointOptions.TLSSecurityPolicy if {
	input.resource.platform == "cloudformation"
	path := "DomainEndpointOptions.TLSSecurityPolicy"
}

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

disabled(v) if v == false

disabled(v) if v == "false"

disabled(v) if lib.is_unknown(v)
