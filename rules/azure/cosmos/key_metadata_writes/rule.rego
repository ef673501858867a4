# METADATA
# title: Cosmos DB accounts block metadata writes through account keys
# description: >-
#   When access_key_metadata_writes_enabled is true (the default) a client holding an account key
#   can create, change and delete databases and containers, and change throughput, through the
#   data plane, bypassing Azure RBAC and the activity log.
# custom:
#   id: PG-AZURE-COSMOS-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_cosmosdb_account]
#   frameworks:
#     nist-800-53: [AC-3, AC-6]
#     soc2: [CC6.3]
#   remediation: Set access_key_metadata_writes_enabled = false and manage databases and containers through Azure Resource Manager.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.cosmos.key_metadata_writes

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

# check 0: azurerm_cosmosdb_account: access_key_metadata_writes_enabled (absent = true)
present_0(o) := [key | some key in ["access_key_metadata_writes_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["access_key_metadata_writes_enabled", true] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_cosmosdb_account"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" allows metadata writes with account keys (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Block key-based metadata writes", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
