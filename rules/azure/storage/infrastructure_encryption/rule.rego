# METADATA
# title: Storage accounts use infrastructure (double) encryption
# description: >-
#   Infrastructure encryption adds a second AES-256 layer with a separate key below the service-
#   level encryption, so one compromised key or algorithm does not expose the data. It is off by
#   default and can only be chosen when the account is created.
# custom:
#   id: PG-AZURE-STORAGE-006
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     cis-azure: ["3.2"]
#     nist-800-53: [SC-28]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: [CC6.1]
#   remediation: "Set infrastructure_encryption_enabled = true (recreates the account: migrate the data)."
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.storage.infrastructure_encryption

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

# check 0: azurerm_storage_account: infrastructure_encryption_enabled (absent = false)
present_0(o) := [key | some key in ["infrastructure_encryption_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["infrastructure_encryption_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_storage_account"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" has no infrastructure encryption (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Enable infrastructure encryption", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
