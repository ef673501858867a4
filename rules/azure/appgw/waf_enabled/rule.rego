# METADATA
# title: Application gateways inspect traffic with a web application firewall
# description: >-
#   An application gateway on the Standard/Standard_v2 tier, or a WAF tier gateway whose
#   waf_configuration is disabled and that has no WAF policy (firewall_policy_id), forwards every
#   request to the backends without OWASP rule set inspection. A WAF policy attached to the gateway
#   (firewall_policy_id) or waf_configuration { enabled = true } passes.
# custom:
#   id: PG-AZURE-APPGW-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_application_gateway]
#   frameworks:
#     nist-800-53: [SC-7, SI-4]
#     pci-dss-4.0: ["6.4.2"]
#     soc2: [CC6.6]
#   remediation: Use the WAF_v2 SKU and attach an azurerm_web_application_firewall_policy (firewall_policy_id) in Prevention mode.
#   fixable: false
package policyguard.rules.azure.appgw.waf_enabled

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

tier := object.get(lib.obj(lib.first(object.get(attrs, "sku", []))), "tier", null)

policy := object.get(attrs, "firewall_policy_id", null)

waf_blocks := lib.arr(object.get(attrs, "waf_configuration", []))

# a WAF policy id that is set (a reference to the policy resource is known after apply)
has_policy if {
	is_string(policy)
	trim_space(policy) != ""
}

has_policy if lib.is_unknown(policy)

waf_on if {
	some b in waf_blocks
	lib.truthy(object.get(lib.obj(b), "enabled", false))
}

fail contains result if {
	is_string(tier)
	not startswith(lower(tier), "waf")
	not has_policy
	result := {
		"msg": sprintf("application gateway \"%v\" runs the %v tier: no web application firewall", [input.resource.name, tier]),
		"path": "sku[0].tier",
	}
}

fail contains result if {
	is_string(tier)
	startswith(lower(tier), "waf")
	not has_policy
	not waf_on
	result := {
		"msg": sprintf("application gateway \"%v\" (tier %v) has neither a WAF policy nor an enabled waf_configuration", [input.resource.name, tier]),
		"path": "waf_configuration",
	}
}

unknown contains result if {
	lib.is_unknown(tier)
	not has_policy
	not waf_on
	result := {
		"msg": sprintf("application gateway \"%v\": its SKU tier is not known and it has no WAF policy", [input.resource.name]),
		"path": "sku[0].tier",
		"expr": lib.unknown_expr(tier),
	}
}
