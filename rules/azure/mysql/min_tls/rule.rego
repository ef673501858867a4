# METADATA
# title: MySQL servers require TLS 1.2 or later
# description: >-
#   ssl_minimal_tls_version_enforced below TLS1_2 (or TLSEnforcementDisabled) lets clients
#   negotiate deprecated protocols. The provider default is TLS1_2.
# custom:
#   id: PG-AZURE-MYSQL-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mysql_server]
#   frameworks:
#     cis-azure: ["4.4.2"]
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set ssl_minimal_tls_version_enforced = "TLS1_2".
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.mysql.min_tls

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
	not lib.is_unknown(v)
	lower(sprintf("%v", [v])) in {"tls1_2", "tls1_3"}
}

# check 0: azurerm_mysql_server: ssl_minimal_tls_version_enforced (absent = "TLS1_2")
present_0(o) := [key | some key in ["ssl_minimal_tls_version_enforced"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["ssl_minimal_tls_version_enforced", "TLS1_2"] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_mysql_server"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" accepts TLS below 1.2 (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Require TLS 1.2", "ops": [{"op": "set", "path": key, "value": "TLS1_2"}]}
	}
}
