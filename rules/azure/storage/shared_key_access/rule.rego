# METADATA
# title: Storage accounts disable shared key authorization
# description: >-
#   With shared key access on (the default) anyone holding one of the two account keys, or a SAS
#   signed with them, has full access to every service of the account and the access is not tied
#   to an identity. Entra ID authorization with RBAC is auditable and revocable per principal.
# custom:
#   id: PG-AZURE-STORAGE-007
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Set shared_access_key_enabled = false and grant access through Entra ID roles (the provider then needs storage_use_azuread = true).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.storage.shared_key_access

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

# check 0: azurerm_storage_account: shared_access_key_enabled (absent = true)
present_0(o) := [key | some key in ["shared_access_key_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["shared_access_key_enabled", true] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_storage_account"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" allows shared key (account key and SAS) authorization (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable shared key authorization", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
