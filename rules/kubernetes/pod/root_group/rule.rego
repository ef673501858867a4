# METADATA
# title: Pods do not run with the root group
# description: >-
#   GID 0 (runAsGroup, fsGroup or a supplementalGroups entry) gives the processes the root group's
#   access to files, host files included when a volume or an escape exposes them.
# custom:
#   id: PG-K8S-POD-038
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Non-root containers"]
#     cis-kubernetes: ["5.7.3"]
#     nist-800-53: ["AC-6"]
#   remediation: Use a non-zero group id for runAsGroup, fsGroup and supplementalGroups.
#   fixable: false
package policyguard.rules.kubernetes.pod.root_group

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

groups contains ["pod_spec.securityContext.runAsGroup", "the pod", "runAsGroup"] if obj(object.get(obj(input.resource.pod_spec), "securityContext", {})).runAsGroup == 0

groups contains ["pod_spec.securityContext.fsGroup", "the pod", "fsGroup"] if obj(object.get(obj(input.resource.pod_spec), "securityContext", {})).fsGroup == 0

groups contains [sprintf("pod_spec.securityContext.supplementalGroups[%d]", [i]), "the pod", "supplementalGroups"] if {
	some i, g in arr(object.get(obj(object.get(obj(input.resource.pod_spec), "securityContext", {})), "supplementalGroups", []))
	g == 0
}

groups contains [sprintf("%s.securityContext.runAsGroup", [c.path]), who, "runAsGroup"] if {
	some c in k8s_pod.containers
	obj(object.get(obj(c.container), "securityContext", {})).runAsGroup == 0
	who := sprintf("container \"%v\"", [object.get(obj(c.container), "name", "<unnamed>")])
}

fail contains result if {
	some [p, who, field] in groups
	result := {"msg": sprintf("%s sets %s to 0 (the root group)", [who, field]), "path": p}
}
