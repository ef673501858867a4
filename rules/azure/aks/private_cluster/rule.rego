# METADATA
# title: AKS clusters use a private API server
# description: >-
#   Without private_cluster_enabled the Kubernetes API server has a public endpoint (restricted at
#   best by authorized IP ranges, see PG-AZURE-AKS-002). A private cluster serves the API only on
#   a private IP in the cluster's virtual network. It is off by default and can only be chosen
#   when the cluster is created.
# custom:
#   id: PG-AZURE-AKS-005
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_kubernetes_cluster]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     soc2: [CC6.6]
#   remediation: Set private_cluster_enabled = true (recreates the cluster) and reach the API through the virtual network.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.aks.private_cluster

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

# check 0: azurerm_kubernetes_cluster: private_cluster_enabled (absent = false)
present_0(o) := [key | some key in ["private_cluster_enabled"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["private_cluster_enabled", false] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_kubernetes_cluster"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" has a public API server endpoint (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Make the API server private", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
