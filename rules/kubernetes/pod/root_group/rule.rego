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

# runAsGroup (the pod's and every container's) and the pod's fsGroup set to 0
fail contains result if {
	some s in k8s_pod.security_contexts
	some field in group_fields(s)
	s.ctx[field] == 0
	result := {"msg": sprintf("%s sets %s to 0 (the root group)", [k8s_pod.who(s), field]), "path": concat("", [s.path, ".", field])}
}

group_fields(s) := ["runAsGroup", "fsGroup"] if s.c == null

group_fields(s) := ["runAsGroup"] if s.c != null

fail contains result if {
	some i, g in arr(object.get(obj(object.get(obj(input.resource.pod_spec), "securityContext", {})), "supplementalGroups", []))
	g == 0
	result := {"msg": sprintf("%s sets %s to 0 (the root group)", ["the pod", "supplementalGroups"]), "path": sprintf("pod_spec.securityContext.supplementalGroups[%d]", [i])}
}
