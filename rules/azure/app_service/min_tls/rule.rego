# METADATA
# title: App Service apps require TLS 1.2 or later
# description: >-
#   site_config.minimum_tls_version below 1.2 lets clients negotiate deprecated protocols. The
#   provider default is 1.2; this rule fails when a configuration lowers it.
# custom:
#   id: PG-AZURE-APPSERVICE-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service, azurerm_function_app]
#   frameworks:
#     cis-azure: ["9.3"]
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#   remediation: Set site_config { minimum_tls_version = "1.2" }.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.app_service.min_tls

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, site in arr(input.resource.attributes.site_config)
	some key in ["minimum_tls_version", "min_tls_version"]
	value := site[key]
	not value in {"1.2", "1.3"}
	path := sprintf("site_config[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" accepts TLS below 1.2 (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": path,
		"fix": {"description": "Require TLS 1.2", "ops": [{"op": "set", "path": path, "value": "1.2"}]},
	}
}
