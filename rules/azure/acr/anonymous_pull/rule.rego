# METADATA
# title: Container registries do not allow anonymous pull
# description: >-
#   Anonymous pull lets anyone on the Internet list and download every image of the registry, with
#   its embedded code and configuration. It is off by default (Standard and Premium SKUs only).
# custom:
#   id: PG-AZURE-ACR-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_container_registry]
#   frameworks:
#     nist-800-53: [AC-3, AC-14]
#     soc2: [CC6.1]
#   remediation: Set anonymous_pull_enabled = false and grant AcrPull to the identities that pull.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.acr.anonymous_pull

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

# check 0: azurerm_container_registry: anonymous_pull_enabled (absent = false)
present_0(o) := [key | some key in ["anonymous_pull_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["anonymous_pull_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_container_registry"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" allows anonymous (unauthenticated) pull (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable anonymous pull", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
