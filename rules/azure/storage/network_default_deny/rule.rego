# METADATA
# title: Storage account firewalls deny by default
# description: >-
#   Without network rules whose default action is Deny, the storage account endpoint accepts
#   connections from any network. The rules may be inline (network_rules block) or in a separate
#   azurerm_storage_account_network_rules resource pointing at the account; either passes.
# custom:
#   id: PG-AZURE-STORAGE-004
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     cis-azure: ["3.8"]
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#   remediation: Add network_rules { default_action = "Deny" ... } with the allowed subnets and IP ranges, and bypass AzureServices if needed.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.storage.network_default_deny

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

attrs := input.resource.attributes

separate contains r if {
	some ref in arr(input.resource.referenced_by)
	r := input.resources[ref.source]
	r.type == "azurerm_storage_account_network_rules"
}

fail contains result if {
	count(arr(object.get(obj(attrs), "network_rules", []))) == 0
	count(separate) == 0
	result := {
		"msg": sprintf("storage account \"%v\" has no network rules: it accepts connections from any network", [input.resource.name]),
		"path": "network_rules",
		"fix": {
			"description": "Deny network access by default (allow trusted Azure services)",
			"ops": [{"op": "add", "path": "network_rules", "value": {"default_action": "Deny", "bypass": ["AzureServices"]}}],
		},
	}
}

fail contains result if {
	some i, rules in arr(attrs.network_rules)
	value := object.get(obj(rules), "default_action", "Allow")
	value != "Deny"
	result := {
		"msg": sprintf("storage account \"%v\" network rules allow by default (default_action = %v)", [input.resource.name, show(value)]),
		"path": sprintf("network_rules[%d].default_action", [i]),
		"fix": {"description": "Deny by default", "ops": [{"op": "set", "path": sprintf("network_rules[%d].default_action", [i]), "value": "Deny"}]},
	}
}

fail contains result if {
	count(arr(object.get(obj(attrs), "network_rules", []))) == 0
	some r in separate
	value := object.get(obj(r.attributes), "default_action", "Allow")
	value != "Deny"
	result := {
		"msg": sprintf("storage account \"%v\" network rules (%s) allow by default (default_action = %v)", [input.resource.name, r.id, show(value)]),
		"path": "network_rules",
	}
}
