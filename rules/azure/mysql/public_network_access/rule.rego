# METADATA
# title: MySQL servers disable public network access
# description: >-
#   With public network access on (the azurerm default) the MySQL server endpoint accepts
#   connections from the Internet, guarded only by authentication. Reach it through a private
#   endpoint instead. A flexible server placed in a delegated subnet has no public endpoint and
#   passes. The azurerm 4.x string form public_network_access = "Disabled" passes.
# custom:
#   id: PG-AZURE-MYSQL-001
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mysql_server, azurerm_mysql_flexible_server]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Set public_network_access_enabled = false and connect through a private endpoint.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.mysql.public_network_access

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

# check 0: azurerm_mysql_server, azurerm_mysql_flexible_server: public_network_access_enabled / public_network_access (absent = true)
present_0(o) := [key | some key in ["public_network_access_enabled", "public_network_access"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["public_network_access_enabled", true] if count(present_0(o)) == 0

# a flexible server injected into a delegated subnet (VNet integration) has no public endpoint: public_network_access_enabled is computed false

fail contains result if {
	input.resource.type in {"azurerm_mysql_server", "azurerm_mysql_flexible_server"}
	object.get(attrs, "delegated_subnet_id", null) == null
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" allows public network access (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable public network access", "ops": [{"op": "set", "path": key, "value": fix_value(key)}]}
	}
}

# azurerm 4.x flexible MySQL servers take public_network_access = "Enabled" | "Disabled" (a string)
fix_value(key) := "Disabled" if key == "public_network_access"

fix_value(key) := false if key != "public_network_access"
