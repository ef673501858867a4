# METADATA
# title: Storage accounts do not allow cross-tenant object replication
# description: >-
#   Object replication to an account in another Entra tenant copies every blob out of your
#   administrative boundary. azurerm v4 defaults cross_tenant_replication_enabled to false (v3
#   defaulted to true): an omitted attribute passes, an explicit true fails.
# custom:
#   id: PG-AZURE-STORAGE-008
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_storage_account]
#   frameworks:
#     cis-azure: ["3.16"]
#     nist-800-53: [AC-4, SC-7]
#     soc2: [CC6.1]
#   remediation: Set cross_tenant_replication_enabled = false.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.storage.cross_tenant_replication

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

# check 0: azurerm_storage_account: cross_tenant_replication_enabled (absent = null)
present_0(o) := [key | some key in ["cross_tenant_replication_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["cross_tenant_replication_enabled", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_storage_account"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" allows object replication to other tenants (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disallow cross-tenant replication", "ops": [{"op": "set", "path": key, "value": false}]}
	}
}
