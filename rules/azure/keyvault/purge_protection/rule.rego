# METADATA
# title: Key vaults are recoverable (purge protection on, soft delete not disabled)
# description: >-
#   Without purge protection a deleted vault, key or secret can be purged immediately, by
#   mistake or by an attacker, destroying every key that encrypts data elsewhere. Purge
#   protection defaults to off; soft delete is always on in current Azure and may only be
#   disabled by the legacy soft_delete_enabled attribute.
# custom:
#   id: PG-AZURE-KEYVAULT-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_key_vault]
#   frameworks:
#     cis-azure: ["8.5"]
#     nist-800-53: [CP-9, SC-12]
#     soc2: [A1.2]
#   remediation: Set purge_protection_enabled = true (it cannot be turned off again) and keep soft delete enabled.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.keyvault.purge_protection

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

attrs := input.resource.attributes

fail contains result if {
	value := object.get(obj(attrs), "purge_protection_enabled", false)
	not lib.truthy(value)
	result := {
		"msg": sprintf("key vault \"%v\" has no purge protection (purge_protection_enabled = %v)", [input.resource.name, show(value)]),
		"path": "purge_protection_enabled",
		"fix": {"description": "Enable purge protection", "ops": [{"op": "set", "path": "purge_protection_enabled", "value": true}]},
	}
}

fail contains result if {
	lib.falsy(attrs.soft_delete_enabled)
	result := {
		"msg": sprintf("key vault \"%v\" disables soft delete", [input.resource.name]),
		"path": "soft_delete_enabled",
		"fix": {"description": "Keep soft delete enabled", "ops": [{"op": "remove", "path": "soft_delete_enabled"}]},
	}
}
