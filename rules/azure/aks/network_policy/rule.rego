# METADATA
# title: AKS clusters enforce network policies
# description: >-
#   Without a network policy engine (azure, calico or cilium) NetworkPolicy objects are
#   ignored and every pod can reach every other pod. The engine can only be chosen at cluster
#   creation.
# custom:
#   id: PG-AZURE-AKS-003
#   severity: medium
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

attrs := input.resource.attributes

fail contains result if {
	count(object.get(attrs, "network_profile", [])) == 0
	result := {
		"msg": sprintf("AKS cluster %q has no network_profile: the default kubenet network enforces no network policies", [input.resource.name]),
		"path": "network_profile",
	}
}

fail contains result if {
	some i, profile in attrs.network_profile
	value := object.get(profile, "network_policy", "")
	lib.falsy(value)
	result := {
		"msg": sprintf("AKS cluster %q sets no network_policy: NetworkPolicy objects are not enforced", [input.resource.name]),
		"path": sprintf("network_profile[%d].network_policy", [i]),
	}
}
