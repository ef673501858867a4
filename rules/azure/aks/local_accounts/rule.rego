# METADATA
# title: AKS clusters disable local accounts
# description: >-
#   Local accounts (the clusterAdmin kubeconfig from az aks get-credentials --admin) are static
#   cluster-admin credentials outside Entra ID: no MFA, no conditional access, no audit by
#   identity. They are on by default.
# custom:
#   id: PG-AZURE-AKS-004
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_kubernetes_cluster]
#   frameworks:
#     nist-800-53: [IA-2, AC-3]
#     soc2: [CC6.1]
#   remediation: Set local_account_disabled = true (requires Entra ID integration) and use Entra ID kubeconfigs.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.aks.local_accounts

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
good(v) if lib.truthy(v)

# check 0: azurerm_kubernetes_cluster: local_account_disabled (absent = false)
present_0(o) := [key | some key in ["local_account_disabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["local_account_disabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_kubernetes_cluster"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" keeps local (static admin) accounts (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Disable local accounts", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
