# METADATA
# title: SQL server security alert policies are enabled
# description: >-
#   A server security alert policy in state Disabled turns off Microsoft Defender for SQL threat
#   detection (SQL injection, anomalous logins, brute force) for every database of the server.
# custom:
#   id: PG-AZURE-SQL-007
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_server_security_alert_policy]
#   frameworks:
#     cis-azure: ["4.2.1"]
#     nist-800-53: [SI-4]
#     pci-dss-4.0: ["11.5.1"]
#     soc2: [CC7.2]
#   remediation: Set state = "Enabled" (and leave disabled_alerts empty).
#   fixable: true
#   fix_safety: safe
package policyguard.rules.azure.sql.threat_detection

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
	lower(sprintf("%v", [v])) in {"enabled"}
}

# check 0: azurerm_mssql_server_security_alert_policy: state (absent = null)
present_0(o) := [key | some key in ["state"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["state", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_mssql_server_security_alert_policy"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" has threat detection disabled (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Enable threat detection", "ops": [{"op": "set", "path": key, "value": "Enabled"}]}
	}
}
