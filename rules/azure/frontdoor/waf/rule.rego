# METADATA
# title: Front Door (classic) frontend endpoints have a WAF policy
# description: >-
#   A frontend endpoint without web_application_firewall_policy_link_id forwards every request to
#   the backends unfiltered: no OWASP rule set, bot protection or rate limiting at the edge.
# custom:
#   id: PG-AZURE-FRONTDOOR-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_frontdoor]
#   frameworks:
#     nist-800-53: [SC-7, SI-4]
#     pci-dss-4.0: ["6.4.2"]
#     soc2: [CC6.6]
#   remediation: Set web_application_firewall_policy_link_id on every frontend_endpoint to an azurerm_frontdoor_firewall_policy in Prevention mode.
#   fixable: false
package policyguard.rules.azure.frontdoor.waf

import rego.v1

import data.policyguard.lib

# show(v): v for messages, "not set" for null, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := "not set" if v == null

show(v) := v if {
	not lib.is_unknown(v)
	v != null
}

attrs := lib.obj(input.resource.attributes)

# good(v): the value is the secure setting
good(v) if {
	is_string(v)
	trim_space(v) != ""
}

# an expression that computes a value (a resource attribute known after apply, timeadd(timestamp(), ...))
# is set; a bare variable, local or module output may be null or empty, and one that mentions null may
# choose it: those stay unknown
good(v) if {
	lib.is_unknown(v)
	expr := lib.str(lib.unknown_expr(v))
	not regex.match(`^(var|local|each|module|count)\.`, expr)
	not contains(expr, "null")
}

# check 0: azurerm_frontdoor: frontend_endpoint[*].web_application_firewall_policy_link_id (absent = null)
present_0(o) := [key | some key in ["web_application_firewall_policy_link_id"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["web_application_firewall_policy_link_id", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_frontdoor"}
	some i, block in lib.arr(object.get(attrs, "frontend_endpoint", []))
	[key, value] := setting_0(lib.obj(block))
	not good(value)
	path := sprintf("frontend_endpoint[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" has no WAF policy (%s = %v)", [input.resource.type, input.resource.name, path, show(value)]),
		"path": path
	}
}
