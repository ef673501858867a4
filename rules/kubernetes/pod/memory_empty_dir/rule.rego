# METADATA
# title: Memory-backed emptyDir volumes have a sizeLimit
# description: >-
#   An emptyDir with medium Memory is a tmpfs counted against the node's memory; without sizeLimit
#   a pod can fill it and starve the node (files there are charged to the container's memory limit
#   only where one is set).
# custom:
#   id: PG-K8S-POD-042
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     nist-800-53: ["SC-6"]
#   remediation: Set emptyDir.sizeLimit on memory-backed volumes.
#   fixable: false
package policyguard.rules.kubernetes.pod.memory_empty_dir

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, v in arr(object.get(obj(input.resource.pod_spec), "volumes", []))
	ed := object.get(obj(v), "emptyDir", null)
	is_object(ed)
	object.get(ed, "medium", "") == "Memory"
	object.get(ed, "sizeLimit", null) == null
	result := {
		"msg": sprintf("volume \"%v\" is a memory-backed emptyDir without sizeLimit", [object.get(obj(v), "name", "<unnamed>")]),
		"path": sprintf("pod_spec.volumes[%d].emptyDir", [i]),
	}
}
