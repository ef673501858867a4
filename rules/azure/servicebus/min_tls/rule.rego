# METADATA
# title: Service Bus namespaces require TLS 1.2 or later
# description: >-
#   minimum_tls_version below 1.2 lets clients negotiate deprecated protocols. The provider
#   default is 1.2; an explicit lower version fails.
# custom:
#   id: PG-AZURE-SERVICEBUS-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_servicebus_namespace]
#   frameworks:
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set minimum_tls_version = "1.2".
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.servicebus.min_tls

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
	lower(sprintf("%v", [v])) in {"1.2", "1.3"}
}

# check 0: azurerm_servicebus_namespace: minimum_tls_version (absent = "1.2")
present_0(o) := [key | some key in ["minimum_tls_version"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["minimum_tls_version", "1.2"] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_servicebus_namespace"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" accepts TLS below 1.2 (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Require TLS 1.2", "ops": [{"op": "set", "path": key, "value": "1.2"}]}
	}
}
