# METADATA
# title: Containers run with a UID of 10000 or more
# description: >-
#   The NSA/CISA hardening guide recommends runAsUser values of 10000 and above: a low id that
#   escapes the container coincides with a real user of the host (with its files and privileges).
#   0 is judged by the root rules; unset values depend on the image and are not judged here.
# custom:
#   id: PG-K8S-POD-036
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Non-root containers"]
#     nist-800-53: ["AC-6"]
#   remediation: Set runAsUser to 10000 or higher (and build the image for it).
#   fixable: false
package policyguard.rules.kubernetes.pod.high_uid

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# the pod's and every container's securityContext (k8s_pod.security_contexts: objects only; a
# value elsewhere has no runAsUser to judge)
fail contains result if {
	some s in k8s_pod.security_contexts
	v := object.get(s.ctx, "runAsUser", null)
	is_number(v)
	v > 0
	v < 10000
	result := {
		"msg": sprintf("%s sets runAsUser %v (below 10000, may collide with a host user)", [k8s_pod.who(s), v]),
		"path": concat("", [s.path, ".runAsUser"]),
	}
}
