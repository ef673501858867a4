# METADATA
# title: Containers do not add the SYS_TIME capability
# description: >-
#   CAP_SYS_TIME sets the system clock, which is not namespaced: it changes the node's time for
#   every pod and breaks certificate and token validity checks. Names are compared case-
#   insensitively, with or without the CAP_ prefix.
# custom:
#   id: PG-K8S-POD-031
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     cis-kubernetes: ["5.2.9"]
#     nist-800-53: ["AC-6"]
#   remediation: Remove SYS_TIME from securityContext.capabilities.add.
#   fixable: false
package policyguard.rules.kubernetes.pod.cap_sys_time

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

norm(cap) := trim_prefix(upper(cap), "CAP_") if is_string(cap)

fail contains result if {
	some a in k8s_pod.added_caps
	norm(a.cap) == "SYS_TIME"
	c := a.c
	cap := a.cap
	i := a.i
	result := {
		"msg": sprintf("container \"%v\" adds capability %v (system clock)", [object.get(obj(c.container), "name", "<unnamed>"), cap]),
		"path": sprintf("%s.securityContext.capabilities.add[%d]", [c.path, i]),
	}
}
