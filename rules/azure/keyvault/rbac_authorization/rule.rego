# METADATA
# title: Key vaults use Azure RBAC for data-plane authorization
# description: >-
#   Access policies grant key, secret and certificate permissions per vault, outside Azure RBAC:
#   they cannot be scoped to one secret, do not support PIM or deny assignments and are easy to
#   overlook in access reviews. The default is access policies.
# custom:
#   id: PG-AZURE-KEYVAULT-004
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_key_vault]
#   frameworks:
#     cis-azure: ["8.6"]
#     nist-800-53: [AC-3, AC-6]
#     soc2: [CC6.3]
#   remediation: Set enable_rbac_authorization = true (rbac_authorization_enabled in azurerm 4.x) and move access policies to role assignments.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.keyvault.rbac_authorization

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

# check 0: azurerm_key_vault: enable_rbac_authorization / rbac_authorization_enabled (absent = false)
present_0(o) := [key | some key in ["enable_rbac_authorization", "rbac_authorization_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["enable_rbac_authorization", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_key_vault"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" uses access policies instead of Azure RBAC (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Use Azure RBAC authorization", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
