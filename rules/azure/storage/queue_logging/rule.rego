# METADATA
# title: Storage accounts log queue service reads, writes and deletes
# description: >-
#   Without Storage Analytics logging of read, write and delete requests on the queue service,
#   message theft or tampering leaves no trace. Judged on the queue_properties.logging block of
#   azurerm_storage_account (deprecated in azurerm 4.x) and on the separate
#   azurerm_storage_account_queue_properties resource; an account that declares neither is not
#   judged here (queue logging may also come from a diagnostic setting).
# custom:
#   id: PG-AZURE-STORAGE-011
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account, azurerm_storage_account_queue_properties]
#   frameworks:
#     cis-azure: ["3.5"]
#     nist-800-53: [AU-2, AU-12]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: [CC7.2]
#   remediation: Add logging { read = true, write = true, delete = true, version = "1.0", retention_policy_days = 90 } to the queue properties.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.azure.storage.queue_logging

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

# (path prefix, queue properties) to judge: the inline block or the separate resource itself
props contains [sprintf("queue_properties[%d].", [i]), lib.obj(q)] if {
	input.resource.type == "azurerm_storage_account"
	some i, q in lib.arr(object.get(attrs, "queue_properties", []))
}

props contains ["", attrs] if input.resource.type == "azurerm_storage_account_queue_properties"

fail contains result if {
	some [prefix, q] in props
	count(lib.arr(object.get(q, "logging", []))) == 0
	path := concat("", [prefix, "logging"])
	result := {
		"msg": sprintf("%s \"%v\" declares queue properties without logging", [input.resource.type, input.resource.name]),
		"path": path,
		"fix": {"description": "Log queue reads, writes and deletes", "ops": [{"op": "add", "path": path, "value": {"read": true, "write": true, "delete": true, "version": "1.0", "retention_policy_days": 90}}]},
	}
}

fail contains result if {
	some [prefix, q] in props
	some i, l in lib.arr(object.get(q, "logging", []))
	some op in ["read", "write", "delete"]
	not lib.truthy(object.get(lib.obj(l), op, false))
	path := sprintf("%slogging[%d].%s", [prefix, i, op])
	result := {
		"msg": sprintf("%s \"%v\" does not log queue %s requests (%s = %v)", [input.resource.type, input.resource.name, op, path, object.get(lib.obj(l), op, false)]),
		"path": path,
		"fix": {"description": "Log queue reads, writes and deletes", "ops": [{"op": "set", "path": path, "value": true}]},
	}
}
