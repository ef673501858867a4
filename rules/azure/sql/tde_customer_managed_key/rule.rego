# METADATA
# title: SQL servers encrypt with a customer-managed TDE protector
# description: >-
#   A azurerm_mssql_server_transparent_data_encryption without key_vault_key_id uses a service-
#   managed TDE protector that you cannot rotate, audit or revoke.
# custom:
#   id: PG-AZURE-SQL-009
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_server_transparent_data_encryption]
#   frameworks:
#     cis-azure: ["4.1.3"]
#     nist-800-53: [SC-28]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: [CC6.1]
#   remediation: Set key_vault_key_id to a Key Vault key the server's identity may wrap and unwrap with.
#   fixable: false
package policyguard.rules.azure.sql.tde_customer_managed_key

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

# check 0: azurerm_mssql_server_transparent_data_encryption: key_vault_key_id (absent = null)
present_0(o) := [key | some key in ["key_vault_key_id"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["key_vault_key_id", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_mssql_server_transparent_data_encryption"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" uses a service-managed TDE protector (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}
