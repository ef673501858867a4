# METADATA
# title: Cosmos DB accounts disable key-based authentication
# description: >-
#   With local (primary/secondary key) authentication on, the default, anyone with an account key
#   has full data-plane access outside Entra ID and RBAC. Entra ID-only access is auditable per
#   identity.
# custom:
#   id: PG-AZURE-COSMOS-002
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_cosmosdb_account]
#   frameworks:
#     cis-azure: ["4.5.3"]
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Set local_authentication_disabled = true and grant Cosmos DB data-plane roles to identities.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.cosmos.local_auth

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

# check 0: azurerm_cosmosdb_account: local_authentication_disabled (absent = false)
present_0(o) := [key | some key in ["local_authentication_disabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["local_authentication_disabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_cosmosdb_account"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" accepts account keys (local authentication) (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable key-based authentication", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
