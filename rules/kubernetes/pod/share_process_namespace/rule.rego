# METADATA
# title: Pods do not share one process namespace
# description: >-
#   shareProcessNamespace lets every container of the pod see and signal the others' processes and
#   read their /proc/<pid>/root and environment, so a compromised sidecar reaches the main
#   container's secrets.
# custom:
#   id: PG-K8S-POD-040
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     nist-800-53: ["SC-39"]
#   remediation: Remove shareProcessNamespace (or set it to false).
#   fixable: false
package policyguard.rules.kubernetes.pod.share_process_namespace

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

spec := obj(input.resource.pod_spec)

fail contains result if {
	object.get(spec, "shareProcessNamespace", false) == true
	result := {"msg": "the pod's containers share one process namespace", "path": "pod_spec.shareProcessNamespace"}
}
