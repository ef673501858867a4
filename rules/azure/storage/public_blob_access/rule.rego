# METADATA
# title: Storage accounts do not allow public blob access
# description: >-
#   When nested items may be public, any container can be switched to anonymous read access
#   and its blobs served to the whole Internet. azurerm v3/v4 default
#   allow_nested_items_to_be_public to true, so the attribute must be set to false explicitly.
#   The v2 attribute allow_blob_public_access is honoured when it is the only one present.
# custom:
#   id: PG-AZURE-STORAGE-003
#   severity: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     cis-azure: ["3.17"]
#     nist-800-53: [AC-3, AC-6]
#     pci-dss-4.0: ["1.4.1"]
#     soc2: [CC6.1]
#   remediation: Set allow_nested_items_to_be_public = false.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.storage.public_blob_access

import rego.v1

import data.policyguard.lib

attrs := input.resource.attributes

fix := {
	"description": "Forbid anonymous access to blobs",
	"ops": [{"op": "set", "path": "allow_nested_items_to_be_public", "value": false}],
}

fail contains result if {
	not lib.has(attrs, "allow_nested_items_to_be_public")
	not lib.has(attrs, "allow_blob_public_access")
	result := {
		"msg": sprintf("storage account \"%v\" allows public blob access (allow_nested_items_to_be_public defaults to true)", [input.resource.name]),
		"path": "allow_nested_items_to_be_public",
		"fix": fix,
	}
}

fail contains result if {
	some key in ["allow_nested_items_to_be_public", "allow_blob_public_access"]
	lib.has(attrs, key)
	not lib.falsy(attrs[key])
	result := {
		"msg": sprintf("storage account \"%v\" allows public blob access (%s = %v)", [input.resource.name, key, attrs[key]]),
		"path": key,
		"fix": {"description": "Forbid anonymous access to blobs", "ops": [{"op": "set", "path": key, "value": false}]},
	}
}
