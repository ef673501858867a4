# METADATA
# title: AKS clusters authenticate users with Entra ID
# description: >-
#   Without the azure_active_directory_role_based_access_control block users authenticate with
#   client certificates in kubeconfigs, which cannot be revoked individually and carry no MFA or
#   conditional access.
# custom:
#   id: PG-AZURE-AKS-009
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_kubernetes_cluster]
#   frameworks:
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Add azure_active_directory_role_based_access_control { azure_rbac_enabled = true, admin_group_object_ids = [...] }.
#   fixable: false
package policyguard.rules.azure.aks.entra_id_integration

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
good(v) if {
	is_array(v)
	count(v) > 0
}

# check 0: azurerm_kubernetes_cluster: azure_active_directory_role_based_access_control (absent = null)
present_0(o) := [key | some key in ["azure_active_directory_role_based_access_control"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["azure_active_directory_role_based_access_control", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_kubernetes_cluster"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" does not use Entra ID authentication (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}
