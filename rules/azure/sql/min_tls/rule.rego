# METADATA
# title: SQL servers require TLS 1.2 or later
# description: >-
#   minimum_tls_version below 1.2 (or Disabled) lets clients negotiate deprecated protocols.
#   azurerm defaults it to 1.2; this rule fails when a configuration lowers it.
# custom:
#   id: PG-AZURE-SQL-004
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_server]
#   frameworks:
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#   remediation: Set minimum_tls_version = "1.2".
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.sql.min_tls

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

fail contains result if {
	lib.has(input.resource.attributes, "minimum_tls_version")
	value := input.resource.attributes.minimum_tls_version
	not value in {"1.2", "1.3"}
	result := {
		"msg": sprintf("SQL server \"%v\" accepts TLS below 1.2 (minimum_tls_version = %v)", [input.resource.name, show(value)]),
		"path": "minimum_tls_version",
		"fix": {"description": "Require TLS 1.2", "ops": [{"op": "set", "path": "minimum_tls_version", "value": "1.2"}]},
	}
}
