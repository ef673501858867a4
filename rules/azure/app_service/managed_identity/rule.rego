# METADATA
# title: App Service apps use a managed identity
# description: >-
#   An app without an identity block must keep credentials for databases, Key Vault and storage in
#   its settings or code; a managed identity gets Entra ID tokens with no secret to leak.
# custom:
#   id: PG-AZURE-APPSERVICE-006
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service, azurerm_function_app]
#   frameworks:
#     cis-azure: ["9.4"]
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Add identity { type = "SystemAssigned" } (or UserAssigned) and grant it the roles the app needs.
#   fixable: false
package policyguard.rules.azure.app_service.managed_identity

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
	is_array(v)
	count(v) > 0
}

# check 0: azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service, azurerm_function_app: identity (absent = null)
present_0(o) := [key | some key in ["identity"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["identity", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_linux_web_app", "azurerm_windows_web_app", "azurerm_linux_function_app", "azurerm_windows_function_app", "azurerm_app_service", "azurerm_function_app"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" has no managed identity (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}
