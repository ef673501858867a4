# METADATA
# title: App Service apps do not allow plain FTP deployment
# description: >-
#   ftps_state AllAllowed accepts FTP without TLS: deployment credentials and code cross the
#   network in clear text. Use FtpsOnly or Disabled (the default for new apps).
# custom:
#   id: PG-AZURE-APPSERVICE-003
#   severity: medium
#   resource_types:
#     terraform: [azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service, azurerm_function_app]
#   frameworks:
#     cis-azure: ["9.9"]
#     nist-800-53: [SC-8, CM-7]
#     pci-dss-4.0: ["4.2.1"]
#   remediation: Set site_config { ftps_state = "Disabled" } (or "FtpsOnly" if FTP deployment is needed).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.app_service.ftps

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
	value := site.ftps_state
	not value in {"Disabled", "FtpsOnly"}
	path := sprintf("site_config[%d].ftps_state", [i])
	result := {
		"msg": sprintf("%s \"%v\" allows plain FTP (ftps_state = %v)", [input.resource.type, input.resource.name, show(value)]),
		"path": path,
		"fix": {"description": "Disable FTP", "ops": [{"op": "set", "path": path, "value": "Disabled"}]},
	}
}
