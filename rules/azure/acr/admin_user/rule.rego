# METADATA
# title: Container registries disable the admin user
# description: >-
#   The admin user is one shared username/password pair with push and pull rights on the whole
#   registry, not tied to any identity and easy to leak in pipeline variables. It is off by
#   default.
# custom:
#   id: PG-AZURE-ACR-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_container_registry]
#   frameworks:
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Set admin_enabled = false and use managed identities, tokens or service principals with AcrPull/AcrPush roles.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.acr.admin_user

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

# check 0: azurerm_container_registry: admin_enabled (absent = false)
present_0(o) := [key | some key in ["admin_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["admin_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_container_registry"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" enables the shared admin account (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable the admin user", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
