# METADATA
# title: Storage accounts accept HTTPS traffic only
# description: >-
#   With secure transfer disabled the storage account accepts plain HTTP (and SMB without
#   encryption): data and shared-key signatures travel in clear text. Secure transfer is on by
#   default; this rule fails when a configuration turns it off (https_traffic_only_enabled in
#   azurerm v4, enable_https_traffic_only in v2/v3).
# custom:
#   id: PG-AZURE-STORAGE-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     cis-azure: ["3.1"]
#     nist-800-53: [SC-8]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set https_traffic_only_enabled = true (enable_https_traffic_only in azurerm v3), or remove the attribute.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.storage.https_only

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

fail contains result if {
	some key in ["https_traffic_only_enabled", "enable_https_traffic_only"]
	lib.has(input.resource.attributes, key)
	value := input.resource.attributes[key]
	not lib.truthy(value)
	result := {
		"msg": sprintf("storage account \"%v\" allows plain HTTP (%s = %v)", [input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Require secure transfer", "ops": [{"op": "set", "path": key, "value": true}]},
	}
}
