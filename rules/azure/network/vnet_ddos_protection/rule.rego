# METADATA
# title: Virtual networks are covered by DDoS Network Protection
# description: >-
#   Without a ddos_protection_plan with enable = true, public IPs in the virtual network only get
#   the basic infrastructure-level DDoS protection, with no adaptive tuning, alerting or cost
#   protection.
# custom:
#   id: PG-AZURE-NETWORK-003
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_virtual_network]
#   frameworks:
#     nist-800-53: [SC-5]
#     soc2: [A1.2]
#   remediation: Add ddos_protection_plan { id = azurerm_network_ddos_protection_plan.x.id, enable = true }.
#   fixable: false
package policyguard.rules.azure.network.vnet_ddos_protection

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

# check 0: azurerm_virtual_network: ddos_protection_plan[*].enable (absent = false)
present_0(o) := [key | some key in ["enable"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["enable", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_virtual_network"}
	count(lib.arr(object.get(attrs, "ddos_protection_plan", []))) == 0
	not good(false)
	result := {
		"msg": sprintf("%s \"%v\" has no DDoS Network Protection (no ddos_protection_plan block: enable defaults to False)", [input.resource.type, input.resource.name]),
		"path": "ddos_protection_plan"
	}
}

fail contains result if {
	input.resource.type in {"azurerm_virtual_network"}
	some i, block in lib.arr(object.get(attrs, "ddos_protection_plan", []))
	[key, value] := setting_0(lib.obj(block))
	not good(value)
	path := sprintf("ddos_protection_plan[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" has no DDoS Network Protection (%s = %v)", [input.resource.type, input.resource.name, path, show(value)]),
		"path": path
	}
}
