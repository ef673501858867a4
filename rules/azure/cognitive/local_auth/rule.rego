# METADATA
# title: Cognitive Services accounts disable API key authentication
# description: >-
#   With local authentication on (the default) a single API key calls every model and endpoint of
#   the account, outside Entra ID; leaked keys are a common source of abuse of paid AI endpoints.
# custom:
#   id: PG-AZURE-COGNITIVE-002
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_cognitive_account]
#   frameworks:
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Set local_auth_enabled = false and call the account with Entra ID tokens.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.cognitive.local_auth

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

# check 0: azurerm_cognitive_account: local_auth_enabled (absent = true)
present_0(o) := [key | some key in ["local_auth_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["local_auth_enabled", true] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_cognitive_account"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" accepts API keys (local authentication) (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable local authentication", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
