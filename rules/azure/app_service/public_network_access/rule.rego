# METADATA
# title: Function apps disable public network access
# description: >-
#   With public network access on (the azurerm default) the function app endpoint accepts
#   connections from the Internet, guarded only by authentication. Reach it through a private
#   endpoint instead.
# custom:
#   id: PG-AZURE-APPSERVICE-004
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_function_app, azurerm_windows_function_app]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Set public_network_access_enabled = false and connect through a private endpoint.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.app_service.public_network_access

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
good(v) if lib.falsy(v)

# check 0: azurerm_linux_function_app, azurerm_windows_function_app: public_network_access_enabled (absent = true)
present_0(o) := [key | some key in ["public_network_access_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["public_network_access_enabled", true] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_linux_function_app", "azurerm_windows_function_app"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" allows public network access (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable public network access", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
