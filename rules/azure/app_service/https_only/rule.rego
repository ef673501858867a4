# METADATA
# title: App Service apps accept HTTPS only
# description: >-
#   https_only defaults to false: the app also answers plain HTTP, exposing session cookies and
#   credentials to anyone on the path. Web apps and function apps are checked.
# custom:
#   id: PG-AZURE-APPSERVICE-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service, azurerm_function_app]
#   frameworks:
#     cis-azure: ["9.2"]
#     nist-800-53: [SC-8]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set https_only = true.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.app_service.https_only

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	value := object.get(obj(input.resource.attributes), "https_only", false)
	not lib.truthy(value)
	result := {
		"msg": sprintf("%s \"%v\" accepts plain HTTP (https_only = %v)", [input.resource.type, input.resource.name, show(value)]),
		"path": "https_only",
		"fix": {"description": "Redirect HTTP to HTTPS", "ops": [{"op": "set", "path": "https_only", "value": true}]},
	}
}
