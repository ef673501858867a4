# METADATA
# title: Pods do not share the host PID namespace
# description: >-
#   A pod with hostPID: true shares the node's process ID namespace (it can see and signal every process on the node). The Pod Security Standards baseline
#   profile forbids it.
# custom:
#   id: PG-K8S-POD-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [Host Namespaces]
#     cis-kubernetes: ["5.2.3"]
#     nist-800-53: [SC-39, AC-6]
#   remediation: Remove hostPID from the pod spec (or set it to false).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.host_pid

import rego.v1

import data.policyguard.lib

fail contains result if {
	value := input.resource.pod_spec.hostPID
	not lib.falsy(value)
	result := {
		"msg": sprintf("pod spec sets hostPID to %v: the pod shares the host PID namespace", [value]),
		"path": "pod_spec.hostPID",
		"fix": {
			"description": "Set hostPID to false",
			"ops": [{"op": "set", "path": "pod_spec.hostPID", "value": false}],
		},
	}
}
