# METADATA
# title: Key Vault keys rotate automatically
# description: >-
#   Without a rotation_policy whose automatic block triggers a new key version, keys are only
#   rotated when someone remembers to. The provider sets no rotation policy by default.
# custom:
#   id: PG-AZURE-KEYVAULT-007
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_key_vault_key]
#   frameworks:
#     cis-azure: ["8.8"]
#     nist-800-53: [SC-12]
#     pci-dss-4.0: ["3.7.4"]
#   remediation: Add rotation_policy { automatic { time_before_expiry = "P30D" } expire_after = "P90D" }.
#   fixable: false
package policyguard.rules.azure.keyvault.key_rotation_policy

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

# check 0: azurerm_key_vault_key: rotation_policy[*].automatic (absent = null)
present_0(o) := [key | some key in ["automatic"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["automatic", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_key_vault_key"}
	count(lib.arr(object.get(attrs, "rotation_policy", []))) == 0
	not good(null)
	result := {
		"msg": sprintf("%s \"%v\" is not rotated automatically (no rotation_policy block)", [input.resource.type, input.resource.name]),
		"path": "rotation_policy"
	}
}

fail contains result if {
	input.resource.type in {"azurerm_key_vault_key"}
	some i, block in lib.arr(object.get(attrs, "rotation_policy", []))
	[key, value] := setting_0(lib.obj(block))
	not good(value)
	path := sprintf("rotation_policy[%d].%s", [i, key])
	result := {
		"msg": sprintf("%s \"%v\" is not rotated automatically (%s = %v)", [input.resource.type, input.resource.name, path, show(value)]),
		"path": path
	}
}
