# METADATA
# title: AKS clusters have Kubernetes RBAC enabled
# description: >-
#   Without Kubernetes RBAC every authenticated identity is effectively cluster admin.
#   role_based_access_control_enabled defaults to true (azurerm v3/v4); this rule fails when a
#   configuration disables it, including the v2 role_based_access_control block.
# custom:
#   id: PG-AZURE-AKS-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_kubernetes_cluster]
#   frameworks:
#     nist-800-53: [AC-3, AC-6]
#     soc2: [CC6.3]
#   remediation: Set role_based_access_control_enabled = true (recreates the cluster), ideally with azure_active_directory_role_based_access_control.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.aks.rbac_enabled

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

attrs := input.resource.attributes

fail contains result if {
	lib.has(attrs, "role_based_access_control_enabled")
	not lib.truthy(attrs.role_based_access_control_enabled)
	result := {
		"msg": sprintf("AKS cluster \"%v\" disables Kubernetes RBAC (role_based_access_control_enabled = %v)", [input.resource.name, show(attrs.role_based_access_control_enabled)]),
		"path": "role_based_access_control_enabled",
		"fix": {"description": "Enable Kubernetes RBAC", "ops": [{"op": "set", "path": "role_based_access_control_enabled", "value": true}]},
	}
}

fail contains result if {
	some i, block in arr(attrs.role_based_access_control)
	lib.has(block, "enabled")
	not lib.truthy(block.enabled)
	path := sprintf("role_based_access_control[%d].enabled", [i])
	result := {
		"msg": sprintf("AKS cluster \"%v\" disables Kubernetes RBAC (role_based_access_control.enabled = %v)", [input.resource.name, show(block.enabled)]),
		"path": path,
		"fix": {"description": "Enable Kubernetes RBAC", "ops": [{"op": "set", "path": path, "value": true}]},
	}
}
