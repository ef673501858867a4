# METADATA
# title: Storage accounts encrypt with a customer-managed key
# description: >-
#   Without a customer-managed key the account is encrypted with a Microsoft-managed key that you
#   cannot rotate, audit or revoke. The key may be set inline (customer_managed_key block) or by a
#   separate azurerm_storage_account_customer_managed_key resource pointing at the account; either
#   passes. A separate key resource in another unit cannot be seen: the finding names that case.
# custom:
#   id: PG-AZURE-STORAGE-010
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     cis-azure: ["3.12"]
#     nist-800-53: [SC-28, SC-12]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: [CC6.1]
#   remediation: Add customer_managed_key { key_vault_key_id, user_assigned_identity_id } or an azurerm_storage_account_customer_managed_key resource for the account.
#   fixable: false
package policyguard.rules.azure.storage.customer_managed_key

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

inline := lib.arr(object.get(attrs, "customer_managed_key", []))

separate contains ref.source if {
	some ref in lib.arr(input.resource.referenced_by)
	input.resources[ref.source].type == "azurerm_storage_account_customer_managed_key"
}

fail contains result if {
	count(inline) == 0
	count(separate) == 0
	result := {
		"msg": sprintf("storage account \"%v\" is encrypted with a Microsoft-managed key (no customer_managed_key block and no azurerm_storage_account_customer_managed_key in this unit)", [input.resource.name]),
		"path": "customer_managed_key",
	}
}
