# METADATA
# title: Virtual machines encrypt at host
# description: >-
#   Without encryption at host the VM's temporary disk and disk caches are not encrypted, and data
#   flows to the storage service unencrypted on the host. It is off by default.
# custom:
#   id: PG-AZURE-VM-002
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_virtual_machine, azurerm_windows_virtual_machine, azurerm_linux_virtual_machine_scale_set, azurerm_windows_virtual_machine_scale_set]
#   frameworks:
#     nist-800-53: [SC-28]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: [CC6.1]
#   remediation: Set encryption_at_host_enabled = true (register the EncryptionAtHost feature; the VM is deallocated to change it).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.vm.encryption_at_host

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

# check 0: azurerm_linux_virtual_machine, azurerm_windows_virtual_machine, azurerm_linux_virtual_machine_scale_set, azurerm_windows_virtual_machine_scale_set: encryption_at_host_enabled (absent = false)
present_0(o) := [key | some key in ["encryption_at_host_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["encryption_at_host_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_linux_virtual_machine_scale_set", "azurerm_windows_virtual_machine_scale_set"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" does not encrypt at host (temporary disk and caches) (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Encrypt at host", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
