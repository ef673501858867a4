# METADATA
# title: Linux virtual machines disable password authentication
# description: >-
#   With password authentication on, SSH accepts passwords that can be guessed or sprayed; keys
#   cannot. azurerm_linux_virtual_machine and its scale set default to
#   disable_password_authentication = true; the legacy azurerm_virtual_machine sets it in
#   os_profile_linux_config, where it is required.
# custom:
#   id: PG-AZURE-VM-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_linux_virtual_machine, azurerm_linux_virtual_machine_scale_set, azurerm_virtual_machine]
#   frameworks:
#     nist-800-53: [IA-2, IA-5]
#     pci-dss-4.0: ["8.3.1"]
#     soc2: [CC6.1]
#   remediation: Set disable_password_authentication = true and provide admin_ssh_key blocks.
#   fixable: false
package policyguard.rules.azure.vm.linux_password_authentication

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

# check 0: azurerm_linux_virtual_machine, azurerm_linux_virtual_machine_scale_set: disable_password_authentication (absent = true)
present_0(o) := [key | some key in ["disable_password_authentication"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["disable_password_authentication", true] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_linux_virtual_machine", "azurerm_linux_virtual_machine_scale_set"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" allows SSH password authentication (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}

# check 1: azurerm_virtual_machine: os_profile_linux_config[*].disable_password_authentication (absent = null)
present_1(o) := [key | some key in ["disable_password_authentication"]; object.get(o, key, null) != null]

setting_1(o) := [p[0], o[p[0]]] if {
	p := present_1(o)
	count(p) > 0
}

setting_1(o) := ["disable_password_authentication", null] if count(present_1(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_virtual_machine"}
	some i, block in lib.arr(object.get(attrs, "os_profile_linux_config", []))
	[key, value] := setting_1(lib.obj(block))
	not good(value)
	path := sprintf("os_profile_linux_config[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" allows SSH password authentication (%s = %v)", [input.resource.type, input.resource.name, path, show(value)]),
		"path": path
	}
}
