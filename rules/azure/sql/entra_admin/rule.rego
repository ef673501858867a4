# METADATA
# title: SQL servers have an Entra ID administrator
# description: >-
#   Without an azuread_administrator only SQL logins with passwords can administer the server: no
#   MFA, no central revocation, no conditional access.
# custom:
#   id: PG-AZURE-SQL-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_server]
#   frameworks:
#     cis-azure: ["4.1.4"]
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Add azuread_administrator { login_username, object_id } naming an Entra ID group.
#   fixable: false
package policyguard.rules.azure.sql.entra_admin

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
	is_array(v)
	count(v) > 0
}

# check 0: azurerm_mssql_server: azuread_administrator (absent = null)
present_0(o) := [key | some key in ["azuread_administrator"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["azuread_administrator", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_mssql_server"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" has no Entra ID administrator (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}
