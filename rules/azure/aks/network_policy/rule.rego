# METADATA
# title: AKS clusters enforce network policies
# description: >-
#   Without a network policy engine (azure, calico or cilium) NetworkPolicy objects are
#   ignored and every pod can reach every other pod. The engine can only be chosen at cluster
#   creation.
# custom:
#   id: PG-AZURE-AKS-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_kubernetes_cluster]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.2.1"]
#   remediation: Set network_profile { network_plugin = "azure", network_policy = "azure" (or "calico" / "cilium") }.
#   fixable: false
package policyguard.rules.azure.aks.network_policy

import rego.v1

import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

attrs := input.resource.attributes

fail contains result if {
	count(arr(object.get(obj(attrs), "network_profile", []))) == 0
	result := {
		"msg": sprintf("AKS cluster \"%v\" has no network_profile: the default kubenet network enforces no network policies", [input.resource.name]),
		"path": "network_profile",
	}
}

fail contains result if {
	some i, profile in arr(attrs.network_profile)
	value := object.get(obj(profile), "network_policy", "")
	lib.falsy(value)
	result := {
		"msg": sprintf("AKS cluster \"%v\" sets no network_policy: NetworkPolicy objects are not enforced", [input.resource.name]),
		"path": sprintf("network_profile[%d].network_policy", [i]),
	}
}
