# METADATA
# title: AKS clusters run the Azure Policy add-on
# description: >-
#   The Azure Policy add-on (Gatekeeper) enforces and reports pod security and other policies
#   assigned to the cluster; without it, assignments that target the cluster are not evaluated
#   inside it. It is off by default.
# custom:
#   id: PG-AZURE-AKS-006
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_kubernetes_cluster]
#   frameworks:
#     nist-800-53: [CM-6, CM-7]
#     soc2: [CC7.1]
#   remediation: Set azure_policy_enabled = true.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.aks.azure_policy

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

# check 0: azurerm_kubernetes_cluster: azure_policy_enabled (absent = false)
present_0(o) := [key | some key in ["azure_policy_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["azure_policy_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_kubernetes_cluster"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" does not run the Azure Policy add-on (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Enable the Azure Policy add-on", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
