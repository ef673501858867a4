# METADATA
# title: App Service apps require client certificates
# description: >-
#   With client certificates off (the default) any client that reaches the app can call it;
#   requiring a certificate (mutual TLS) admits only clients holding one.
# custom:
#   id: PG-AZURE-APPSERVICE-005
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service]
#   frameworks:
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Set client_certificate_enabled = true (client_cert_enabled on the legacy azurerm_app_service) with client_certificate_mode = "Required".
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.app_service.client_certificates

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
good(v) if lib.truthy(v)

# check 0: azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app: client_certificate_enabled (absent = false)
present_0(o) := [key | some key in ["client_certificate_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["client_certificate_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_linux_web_app", "azurerm_windows_web_app", "azurerm_linux_function_app", "azurerm_windows_function_app"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" does not require client certificates (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Require client certificates", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}

# check 1: azurerm_app_service: client_cert_enabled (absent = false)
present_1(o) := [key | some key in ["client_cert_enabled"]; object.get(o, key, null) != null]

setting_1(o) := [p[0], o[p[0]]] if {
	p := present_1(o)
	count(p) > 0
}

setting_1(o) := ["client_cert_enabled", false] if count(present_1(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_app_service"}
	[key, value] := setting_1(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" does not require client certificates (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Require client certificates", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
