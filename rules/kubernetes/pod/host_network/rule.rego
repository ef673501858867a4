# METADATA
# title: Pods do not share the host network namespace
# description: >-
#   A pod with hostNetwork: true shares the node's network stack (it can sniff node traffic and reach services bound to the node's loopback). The Pod Security Standards baseline
#   profile forbids it.
# custom:
#   id: PG-K8S-POD-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [Host Namespaces]
#     cis-kubernetes: ["5.2.5"]
#     nist-800-53: [SC-39, AC-6]
#   remediation: Remove hostNetwork from the pod spec (or set it to false).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.host_network

import rego.v1

import data.policyguard.lib

fail contains result if {
	value := input.resource.pod_spec.hostNetwork
	not lib.falsy(value)
	result := {
		"msg": sprintf("pod spec sets hostNetwork to %v: the pod shares the host network namespace", [value]),
		"path": "pod_spec.hostNetwork",
		"fix": {
			"description": "Set hostNetwork to false",
			"ops": [{"op": "set", "path": "pod_spec.hostNetwork", "value": false}],
		},
	}
}
