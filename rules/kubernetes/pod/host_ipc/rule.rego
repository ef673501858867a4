# METADATA
# title: Pods do not share the host IPC namespace
# description: >-
#   A pod with hostIPC: true shares the node's IPC namespace (shared memory and semaphores of host processes). The Pod Security Standards baseline
#   profile forbids it.
# custom:
#   id: PG-K8S-POD-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [Host Namespaces]
#     cis-kubernetes: ["5.2.4"]
#     nist-800-53: [SC-39, AC-6]
#   remediation: Remove hostIPC from the pod spec (or set it to false).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.host_ipc

import rego.v1

import data.policyguard.lib

fail contains result if {
	value := input.resource.pod_spec.hostIPC
	not lib.falsy(value)
	result := {
		"msg": sprintf("pod spec sets hostIPC to %v: the pod shares the host IPC namespace", [value]),
		"path": "pod_spec.hostIPC",
		"fix": {
			"description": "Set hostIPC to false",
			"ops": [{"op": "set", "path": "pod_spec.hostIPC", "value": false}],
		},
	}
}
