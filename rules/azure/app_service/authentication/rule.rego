# METADATA
# title: App Service apps have App Service Authentication enabled
# description: >-
#   App Service Authentication (Easy Auth) rejects or redirects unauthenticated requests before they
#   reach the app. Without an auth_settings block with enabled = true or an auth_settings_v2 block
#   with auth_enabled = true (both default to off) every request reaches the code, which must then
#   authenticate on its own. Apps that authenticate in code or are public by design should suppress
#   the finding.
# custom:
#   id: PG-AZURE-APPSERVICE-009
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_web_app, azurerm_windows_web_app, azurerm_linux_function_app, azurerm_windows_function_app, azurerm_app_service, azurerm_function_app]
#   frameworks:
#     cis-azure: ["9.1"]
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Add auth_settings_v2 { auth_enabled = true, require_authentication = true, ... } with an identity provider (or auth_settings { enabled = true } on the legacy resources).
#   fixable: false
package policyguard.rules.azure.app_service.authentication

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

# (block, switch) pairs: v1 and v2 authentication settings
switches := [["auth_settings", "enabled"], ["auth_settings_v2", "auth_enabled"]]

# the switch values that are set, with their path
values := [[sprintf("%s[%d].%s", [blk, i, key]), v] |
	some [blk, key] in switches
	some i, b in lib.arr(object.get(attrs, blk, []))
	v := object.get(lib.obj(b), key, false)
]

enabled if {
	some [_, v] in values
	lib.truthy(v)
}

unresolved := [[p, v] |
	some [p, v] in values
	lib.is_unknown(v)
]

fail contains result if {
	not enabled
	count(unresolved) == 0
	result := {
		"msg": sprintf("%s \"%v\" has App Service Authentication off (no auth_settings or auth_settings_v2 enables it)", [input.resource.type, input.resource.name]),
		"path": "auth_settings_v2",
	}
}

unknown contains result if {
	not enabled
	some [path, v] in unresolved
	result := {
		"msg": sprintf("%s \"%v\": whether App Service Authentication is on is not known (%s)", [input.resource.type, input.resource.name, path]),
		"path": path,
		"expr": lib.unknown_expr(v),
	}
}
