# METADATA
# title: Pods are not pinned to a node with nodeName
# description: >-
#   spec.nodeName bypasses the scheduler: taints, affinity rules and scheduling-based isolation
#   (nodes reserved for sensitive workloads) do not apply, and a pod can be placed on a control-
#   plane node. Use nodeSelector or affinity, which the scheduler and admission policies see.
# custom:
#   id: PG-K8S-POD-041
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     nist-800-53: ["CM-7"]
#   remediation: Replace nodeName with a nodeSelector or node affinity.
#   fixable: false
package policyguard.rules.kubernetes.pod.node_name

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

spec := obj(input.resource.pod_spec)

fail contains result if {
	name := object.get(spec, "nodeName", "")
	is_string(name)
	name != ""
	result := {"msg": sprintf("the pod is pinned to node \"%v\", bypassing the scheduler", [name]), "path": "pod_spec.nodeName"}
}
