# METADATA
# title: PostgreSQL servers enforce SSL connections
# description: >-
#   With ssl_enforcement_enabled = false the server accepts unencrypted connections, exposing
#   credentials and data on the network. Azure enables enforcement by default.
# custom:
#   id: PG-AZURE-POSTGRES-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_postgresql_server]
#   frameworks:
#     cis-azure: ["4.3.1"]
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set ssl_enforcement_enabled = true.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.postgres.ssl_enforcement

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

# check 0: azurerm_postgresql_server: ssl_enforcement_enabled (absent = true)
present_0(o) := [key | some key in ["ssl_enforcement_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["ssl_enforcement_enabled", true] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_postgresql_server"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" accepts connections without SSL (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Enforce SSL", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
