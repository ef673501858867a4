# METADATA
# title: Namespaces have a NetworkPolicy
# description: >-
#   Without any NetworkPolicy, every pod of the namespace accepts traffic from every pod of the
#   cluster. This rule judges Namespace objects against the NetworkPolicies of the same scan unit
#   (the same manifest file or rendered set): keep a namespace and its default-deny policy
#   together, or suppress the rule where policies are managed elsewhere.
# custom:
#   id: PG-K8S-NETPOL-001
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     kubernetes: [v1/Namespace]
#   frameworks:
#     cis-kubernetes: ["5.3.2"]
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.2.1"]
#   remediation: Add a NetworkPolicy to the namespace, starting with a default-deny ingress policy (podSelector {}).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.network_policy.namespace_isolation

import rego.v1

name := input.resource.attributes.metadata.name

has_policy if {
	some r in input.resources
	r.attributes.kind == "NetworkPolicy"
	r.attributes.metadata.namespace == name
}

fail contains result if {
	not name in {"kube-system", "kube-public", "kube-node-lease"}
	not has_policy
	result := {
		"msg": sprintf("namespace \"%v\" has no NetworkPolicy in this scan: all pod-to-pod traffic is allowed", [name]),
		"path": "metadata.name",
		"fix": {
			"description": "Add a default-deny ingress NetworkPolicy to the namespace",
			"ops": [{"op": "add_resource", "path": "", "value": {
				"type": "networking.k8s.io/v1/NetworkPolicy",
				"name": "default-deny-ingress",
				"attributes": {
					"apiVersion": "networking.k8s.io/v1",
					"kind": "NetworkPolicy",
					"metadata": {"name": "default-deny-ingress", "namespace": name},
					"spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
				},
			}}],
		},
	}
}
