# METADATA
# title: Cosmos DB accounts encrypt with a customer-managed key
# description: >-
#   Without key_vault_key_id the account is encrypted with a Microsoft-managed key that you cannot
#   rotate, audit or revoke. The key can only be set when the account is created.
# custom:
#   id: PG-AZURE-COSMOS-004
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_cosmosdb_account]
#   frameworks:
#     nist-800-53: [SC-28]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: [CC6.1]
#   remediation: Set key_vault_key_id to a versionless Key Vault key id (at creation).
#   fixable: false
package policyguard.rules.azure.cosmos.customer_managed_key

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
	is_string(v)
	trim_space(v) != ""
}

# an expression that computes a value (a resource attribute known after apply, timeadd(timestamp(), ...))
# is set; a bare variable, local or module output may be null or empty, and one that mentions null may
# choose it: those stay unknown
good(v) if {
	lib.is_unknown(v)
	expr := lib.str(lib.unknown_expr(v))
	not regex.match(`^(var|local|each|module|count)\.`, expr)
	not contains(expr, "null")
}

# check 0: azurerm_cosmosdb_account: key_vault_key_id (absent = null)
present_0(o) := [key | some key in ["key_vault_key_id"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["key_vault_key_id", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_cosmosdb_account"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" is not encrypted with a customer-managed key (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}
