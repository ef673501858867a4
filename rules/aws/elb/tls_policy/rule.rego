# METADATA
# title: HTTPS and TLS listeners use a TLS 1.2+ security policy
# description: >-
#   The security policy of an HTTPS/TLS listener decides which protocol versions and ciphers
#   clients may negotiate. Listeners without a policy get ELBSecurityPolicy-2016-08, which still
#   accepts TLS 1.0 and 1.1. Policies whose minimum is TLS 1.2 (ELBSecurityPolicy-TLS13-1-2-*,
#   -TLS13-1-3-*, -TLS-1-2-*, -FS-1-2-*) pass.
# custom:
#   id: PG-AWS-ELB-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_lb_listener, aws_alb_listener]
#     cloudformation: ["AWS::ElasticLoadBalancingV2::Listener"]
#   frameworks:
#     nist-800-53: ["SC-8", "SC-13"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Set ssl_policy (CloudFormation: SslPolicy) to ELBSecurityPolicy-TLS13-1-2-2021-06 or a
#     stricter TLS 1.3 / FIPS policy.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.elb.tls_policy

import data.policyguard.lib
import rego.v1

fields := {"terraform": {"protocol": "protocol", "policy": "ssl_policy"}, "cloudformation": {"protocol": "Protocol", "policy": "SslPolicy"}}

recommended := "ELBSecurityPolicy-TLS13-1-2-2021-06"

fail contains result if {
	f := fields[input.resource.platform]
	encrypted_listener(input.resource.attributes[f.protocol])
	policy := object.get(input.resource.attributes, f.policy, null)
	not modern(policy)
	result := {
		"msg": sprintf("%s: security policy %s allows TLS versions below 1.2", [input.resource.id, shown(policy)]),
		"path": f.policy,
		"fix": {"description": sprintf("Use %s", [recommended]), "ops": [{"op": "set", "path": f.policy, "value": recommended}]},
	}
}

encrypted_listener(p) if {
	is_string(p)
	upper(p) in {"HTTPS", "TLS"}
}

modern(policy) if {
	is_string(policy)
	regex.match(`^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)-`, policy)
}

shown(p) := "not set (default ELBSecurityPolicy-2016-08)" if p == null

shown(p) := p if is_string(p)

shown(p) := sprintf("%v", [p]) if {
	p != null
	not is_string(p)
}
