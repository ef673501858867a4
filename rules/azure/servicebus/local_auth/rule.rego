# METADATA
# title: Service Bus namespaces disable SAS key authentication
# description: >-
#   With local authentication on (the default) shared access keys grant send, listen or manage
#   rights to anyone holding them, outside Entra ID; keys are long-lived and shared between
#   applications.
# custom:
#   id: PG-AZURE-SERVICEBUS-002
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_servicebus_namespace]
#   frameworks:
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Set local_auth_enabled = false and grant Azure Service Bus Data Sender/Receiver roles.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.servicebus.local_auth

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

# check 0: azurerm_servicebus_namespace: local_auth_enabled (absent = true)
present_0(o) := [key | some key in ["local_auth_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["local_auth_enabled", true] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_servicebus_namespace"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" accepts shared access keys (local authentication) (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable local authentication", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
