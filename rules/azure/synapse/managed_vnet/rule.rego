# METADATA
# title: Synapse workspaces use a managed virtual network
# description: >-
#   Without a managed virtual network, integration runtimes and Spark pools run in a shared
#   network with unrestricted outbound access, and data exfiltration protection cannot be enabled.
#   It is off by default and can only be chosen when the workspace is created.
# custom:
#   id: PG-AZURE-SYNAPSE-002
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_synapse_workspace]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     soc2: [CC6.6]
#   remediation: Set managed_virtual_network_enabled = true (at creation), ideally with data_exfiltration_protection_enabled.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.synapse.managed_vnet

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

# check 0: azurerm_synapse_workspace: managed_virtual_network_enabled (absent = false)
present_0(o) := [key | some key in ["managed_virtual_network_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["managed_virtual_network_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_synapse_workspace"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" has no managed virtual network (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Use a managed virtual network", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
