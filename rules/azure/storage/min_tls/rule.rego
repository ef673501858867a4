# METADATA
# title: Storage accounts require TLS 1.2 or later
# description: >-
#   TLS 1.0 and 1.1 have known weaknesses and are deprecated. azurerm defaults min_tls_version to
#   TLS1_2; this rule fails when a configuration lowers it.
# custom:
#   id: PG-AZURE-STORAGE-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     cis-azure: ["3.15"]
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#   remediation: Set min_tls_version = "TLS1_2" (or remove it to use the provider default).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.storage.min_tls

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

fail contains result if {
	lib.has(input.resource.attributes, "min_tls_version")
	value := input.resource.attributes.min_tls_version
	not value in {"TLS1_2", "TLS1_3"}
	result := {
		"msg": sprintf("storage account \"%v\" accepts TLS versions below 1.2 (min_tls_version = %v)", [input.resource.name, show(value)]),
		"path": "min_tls_version",
		"fix": {"description": "Require TLS 1.2", "ops": [{"op": "set", "path": "min_tls_version", "value": "TLS1_2"}]},
	}
}
