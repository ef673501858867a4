# METADATA
# title: Seccomp is not disabled
# description: >-
#   seccompProfile type Unconfined turns off system call filtering for the pod or container,
#   exposing the full kernel syscall surface. The Pod Security Standards baseline profile forbids
#   it at pod and container level.
# custom:
#   id: PG-K8S-POD-011
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [Seccomp]
#     cis-kubernetes: ["5.7.2"]
#     nist-800-53: [CM-7, SC-39]
#   remediation: Set seccompProfile.type to RuntimeDefault (or a Localhost profile).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.seccomp_baseline

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	some s in k8s_pod.security_contexts
	ctx := s.ctx
	base := s.path
	ctx.seccompProfile.type == "Unconfined"
	path := sprintf("%s.seccompProfile.type", [base])
	who := k8s_pod.who(s)
	result := {
		"msg": sprintf("%s disables seccomp (seccompProfile.type: Unconfined)", [who]),
		"path": path,
		"fix": {"description": "Use the runtime's default seccomp profile", "ops": [{"op": "set", "path": path, "value": "RuntimeDefault"}]},
	}
}
