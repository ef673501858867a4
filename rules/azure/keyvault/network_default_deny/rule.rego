# METADATA
# title: Key vault firewalls deny by default
# description: >-
#   Without network_acls whose default_action is Deny, the vault's data plane is reachable from
#   any network and only authentication protects keys and secrets.
# custom:
#   id: PG-AZURE-KEYVAULT-002
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_key_vault]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#   remediation: Add network_acls { default_action = "Deny", bypass = "AzureServices" } with the allowed subnets and IP ranges (or use a private endpoint).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.keyvault.network_default_deny

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

fail contains result if {
	count(arr(object.get(obj(attrs), "network_acls", []))) == 0
	result := {
		"msg": sprintf("key vault \"%v\" has no network ACLs: it accepts connections from any network", [input.resource.name]),
		"path": "network_acls",
		"fix": {
			"description": "Deny network access by default (allow trusted Azure services)",
			"ops": [{"op": "add", "path": "network_acls", "value": {"default_action": "Deny", "bypass": "AzureServices"}}],
		},
	}
}

fail contains result if {
	some i, acl in arr(attrs.network_acls)
	acl.default_action != "Deny"
	path := sprintf("network_acls[%d].default_action", [i])
	result := {
		"msg": sprintf("key vault \"%v\" network ACLs allow by default (default_action = %v)", [input.resource.name, show(acl.default_action)]),
		"path": path,
		"fix": {"description": "Deny by default", "ops": [{"op": "set", "path": path, "value": "Deny"}]},
	}
}
