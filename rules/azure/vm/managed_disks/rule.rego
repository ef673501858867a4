# METADATA
# title: Virtual machines use managed disks
# description: >-
#   A legacy azurerm_virtual_machine whose storage_os_disk has a vhd_uri keeps its disk as a page
#   blob in a storage account you manage: anyone with that account's keys can copy the disk, and
#   managed-disk encryption options do not apply.
# custom:
#   id: PG-AZURE-VM-004
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_virtual_machine]
#   frameworks:
#     cis-azure: ["7.2"]
#     nist-800-53: [SC-28, CM-6]
#     soc2: [CC6.1]
#   remediation: Use managed disks (managed_disk_type in storage_os_disk, or azurerm_linux_virtual_machine/azurerm_windows_virtual_machine).
#   fixable: false
package policyguard.rules.azure.vm.managed_disks

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

# check 0: azurerm_virtual_machine: storage_os_disk[*].vhd_uri (absent = null)
present_0(o) := [key | some key in ["vhd_uri"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["vhd_uri", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_virtual_machine"}
	some i, block in lib.arr(object.get(attrs, "storage_os_disk", []))
	[key, value] := setting_0(lib.obj(block))
	not good(value)
	path := sprintf("storage_os_disk[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" stores its OS disk as an unmanaged VHD (%s = %v)", [input.resource.type, input.resource.name, path, show(value)]),
		"path": path
	}
}
