# METADATA
# title: Containers do not add the SYS_RAWIO capability
# description: >-
#   CAP_SYS_RAWIO gives raw I/O port and device access (iopl, /dev/mem), reaching hardware and
#   kernel memory. Names are compared case-insensitively, with or without the CAP_ prefix.
# custom:
#   id: PG-K8S-POD-028
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     cis-kubernetes: ["5.2.9"]
#     nist-800-53: ["AC-6"]
#   remediation: Remove SYS_RAWIO from securityContext.capabilities.add.
#   fixable: false
package policyguard.rules.kubernetes.pod.cap_sys_rawio

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
	norm(a.cap) == "SYS_RAWIO"
	c := a.c
	cap := a.cap
	i := a.i
	result := {
		"msg": sprintf("container \"%v\" adds capability %v (raw device and port I/O)", [object.get(obj(c.container), "name", "<unnamed>"), cap]),
		"path": sprintf("%s.securityContext.capabilities.add[%d]", [c.path, i]),
	}
}
