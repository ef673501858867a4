# METADATA
# title: SQL databases keep transparent data encryption on
# description: >-
#   Transparent data encryption protects database files, backups and logs at rest. It is on by
#   default; this rule fails when a configuration turns it off.
# custom:
#   id: PG-AZURE-SQL-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_database]
#   frameworks:
#     cis-azure: ["4.1.5"]
#     nist-800-53: [SC-28]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: [CC6.1]
#   remediation: Set transparent_data_encryption_enabled = true (or remove the attribute).
#   fixable: true
#   fix_safety: safe
package policyguard.rules.azure.sql.transparent_data_encryption

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

fail contains result if {
	lib.has(input.resource.attributes, "transparent_data_encryption_enabled")
	value := input.resource.attributes.transparent_data_encryption_enabled
	not lib.truthy(value)
	result := {
		"msg": sprintf("SQL database \"%v\" disables transparent data encryption (transparent_data_encryption_enabled = %v)", [input.resource.name, show(value)]),
		"path": "transparent_data_encryption_enabled",
		"fix": {"description": "Enable transparent data encryption", "ops": [{"op": "set", "path": "transparent_data_encryption_enabled", "value": true}]},
	}
}
