# METADATA
# title: Managed disks are encrypted with a customer-managed key
# description: >-
#   Managed disks are always encrypted, but without disk_encryption_set_id with a platform-managed
#   key that you cannot rotate, audit or revoke. VM OS disks (os_disk) and separate
#   azurerm_managed_disk resources are checked.
# custom:
#   id: PG-AZURE-VM-003
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_managed_disk, azurerm_linux_virtual_machine, azurerm_windows_virtual_machine]
#   frameworks:
#     cis-azure: ["7.3", "7.4"]
#     nist-800-53: [SC-28]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: [CC6.1]
#   remediation: Set disk_encryption_set_id to an azurerm_disk_encryption_set backed by your Key Vault key.
#   fixable: false
package policyguard.rules.azure.vm.disk_customer_managed_key

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
	is_string(v)
	trim_space(v) != ""
}

# an expression that computes a value (a resource attribute known after apply, timeadd(timestamp(), ...))
# is set; a bare variable, local or module output may be null or empty, and one that mentions null may
# choose it: those stay unknown
good(v) if {
	lib.is_unknown(v)
	expr := lib.str(lib.unknown_expr(v))
	not regex.match(`^(var|local|each|module|count)\.`, expr)
	not contains(expr, "null")
}

# check 0: azurerm_managed_disk: disk_encryption_set_id (absent = null)
present_0(o) := [key | some key in ["disk_encryption_set_id"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["disk_encryption_set_id", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_managed_disk"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" encrypts with a platform-managed key (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}

# check 1: azurerm_linux_virtual_machine, azurerm_windows_virtual_machine: os_disk[*].disk_encryption_set_id (absent = null)
present_1(o) := [key | some key in ["disk_encryption_set_id"]; object.get(o, key, null) != null]

setting_1(o) := [p[0], o[p[0]]] if {
	p := present_1(o)
	count(p) > 0
}

setting_1(o) := ["disk_encryption_set_id", null] if count(present_1(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine"}
	count(lib.arr(object.get(attrs, "os_disk", []))) == 0
	not good(null)
	result := {
		"msg": sprintf("%s \"%v\" encrypts with a platform-managed key (no os_disk block)", [input.resource.type, input.resource.name]),
		"path": "os_disk"
	}
}

fail contains result if {
	input.resource.type in {"azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine"}
	some i, block in lib.arr(object.get(attrs, "os_disk", []))
	[key, value] := setting_1(lib.obj(block))
	not good(value)
	path := sprintf("os_disk[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" encrypts with a platform-managed key (%s = %v)", [input.resource.type, input.resource.name, path, show(value)]),
		"path": path
	}
}
