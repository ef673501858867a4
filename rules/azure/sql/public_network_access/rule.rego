# METADATA
# title: SQL servers disable public network access
# description: >-
#   With public network access on (the azurerm default) the server's endpoint accepts
#   connections from the Internet, filtered only by server firewall rules. Use private endpoints.
# custom:
#   id: PG-AZURE-SQL-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_server]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Set public_network_access_enabled = false and connect through a private endpoint.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.sql.public_network_access

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	value := object.get(obj(input.resource.attributes), "public_network_access_enabled", true)
	not lib.falsy(value)
	result := {
		"msg": sprintf("SQL server \"%v\" allows public network access (public_network_access_enabled = %v)", [input.resource.name, show(value)]),
		"path": "public_network_access_enabled",
		"fix": {"description": "Disable public network access", "ops": [{"op": "set", "path": "public_network_access_enabled", "value": false}]},
	}
}
