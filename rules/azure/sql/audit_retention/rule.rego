# METADATA
# title: SQL auditing keeps logs for at least 90 days
# description: >-
#   Audit records kept for less than 90 days are gone before many incidents are discovered.
#   retention_in_days = 0 (the default) keeps them indefinitely and passes.
# custom:
#   id: PG-AZURE-SQL-006
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_server_extended_auditing_policy, azurerm_mssql_database_extended_auditing_policy]
#   frameworks:
#     cis-azure: ["4.1.6"]
#     nist-800-53: [AU-11]
#     pci-dss-4.0: ["10.5.1"]
#     soc2: [CC7.2]
#   remediation: Set retention_in_days to 90 or more (or 0 for unlimited).
#   fixable: true
#   fix_safety: safe
package policyguard.rules.azure.sql.audit_retention

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
	is_number(v)
	v >= 90
}

good(v) if {
	is_string(v)
	regex.match(`^\s*[0-9]+\s*$`, v)
	to_number(trim_space(v)) >= 90
}

# 0 means unlimited
good(v) if v == 0

# check 0: azurerm_mssql_server_extended_auditing_policy, azurerm_mssql_database_extended_auditing_policy: retention_in_days (absent = 0)
present_0(o) := [key | some key in ["retention_in_days"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["retention_in_days", 0] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_mssql_server_extended_auditing_policy", "azurerm_mssql_database_extended_auditing_policy"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" keeps audit logs for less than 90 days (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Keep audit logs for 90 days", "ops": [{"op": "set", "path": key, "value": 90}]}
	}
}
