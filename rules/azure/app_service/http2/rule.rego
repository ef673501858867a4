# METADATA
# title: App Service apps serve HTTP/2
# description: >-
#   site_config.http2_enabled defaults to false, leaving the app on HTTP/1.1 only; HTTP/2 brings
#   header compression and multiplexing and is what current guidance expects.
# custom:
#   id: PG-AZURE-APPSERVICE-007
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service, azurerm_function_app]
#   frameworks:
#     cis-azure: ["9.8"]
#     nist-800-53: [CM-6, CM-7]
#     soc2: [CC7.1]
#   remediation: Set site_config { http2_enabled = true }.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.app_service.http2

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

# check 0: azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service, azurerm_function_app: site_config[*].http2_enabled (absent = false)
present_0(o) := [key | some key in ["http2_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["http2_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_linux_web_app", "azurerm_windows_web_app", "azurerm_linux_function_app", "azurerm_windows_function_app", "azurerm_app_service", "azurerm_function_app"}
	count(lib.arr(object.get(attrs, "site_config", []))) == 0
	not good(false)
	result := {
		"msg": sprintf("%s \"%v\" does not enable HTTP/2 (no site_config block: http2_enabled defaults to False)", [input.resource.type, input.resource.name]),
		"path": "site_config",
		"fix": {"description": "Enable HTTP/2", "ops": [{"op": "add", "path": "site_config", "value": {"http2_enabled": true}}]}
	}
}

fail contains result if {
	input.resource.type in {"azurerm_linux_web_app", "azurerm_windows_web_app", "azurerm_linux_function_app", "azurerm_windows_function_app", "azurerm_app_service", "azurerm_function_app"}
	some i, block in lib.arr(object.get(attrs, "site_config", []))
	[key, value] := setting_0(lib.obj(block))
	not good(value)
	path := sprintf("site_config[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" does not enable HTTP/2 (%s = %v)", [input.resource.type, input.resource.name, path, show(value)]),
		"path": path,
		"fix": {"description": "Enable HTTP/2", "ops": [{"op": "set", "path": path, "value": true}]}
	}
}
