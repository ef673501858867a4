# METADATA
# title: Storage accounts keep deleted blobs (soft delete)
# description: >-
#   Without a blob delete retention policy a deleted or overwritten blob is gone at once, by
#   mistake or by ransomware holding a key. The policy is not set unless blob_properties declares
#   delete_retention_policy.
# custom:
#   id: PG-AZURE-STORAGE-009
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     cis-azure: ["3.11"]
#     nist-800-53: [CP-9]
#     soc2: [A1.2]
#   remediation: Add blob_properties { delete_retention_policy { days = 7 } } (or longer).
#   fixable: false
package policyguard.rules.azure.storage.blob_soft_delete

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
	is_array(v)
	count(v) > 0
}

# check 0: azurerm_storage_account: blob_properties[*].delete_retention_policy (absent = null)
present_0(o) := [key | some key in ["delete_retention_policy"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["delete_retention_policy", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_storage_account"}
	count(lib.arr(object.get(attrs, "blob_properties", []))) == 0
	not good(null)
	result := {
		"msg": sprintf("%s \"%v\" does not soft-delete blobs (no blob_properties block)", [input.resource.type, input.resource.name]),
		"path": "blob_properties"
	}
}

fail contains result if {
	input.resource.type in {"azurerm_storage_account"}
	some i, block in lib.arr(object.get(attrs, "blob_properties", []))
	[key, value] := setting_0(lib.obj(block))
	not good(value)
	path := sprintf("blob_properties[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" does not soft-delete blobs (%s = %v)", [input.resource.type, input.resource.name, path, show(value)]),
		"path": path
	}
}
