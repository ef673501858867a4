# METADATA
# title: Pods and containers do not set runAsUser 0
# description: >-
#   runAsUser: 0 runs the container process as root, whatever the image declares. The Pod
#   Security Standards restricted profile forbids it at pod and container level.
# custom:
#   id: PG-K8S-POD-017
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-restricted: [Running as Non-root user]
#     cis-kubernetes: ["5.2.7"]
#     nist-800-53: [AC-6]
#   remediation: Remove runAsUser 0 and run as a non-zero UID (set in the image or in securityContext.runAsUser).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.run_as_user

import rego.v1

import data.policyguard.k8s_pod
import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	some s in k8s_pod.security_contexts
	ctx := s.ctx
	base := s.path
	ctx.runAsUser == 0
	path := sprintf("%s.runAsUser", [base])
	who := k8s_pod.who(s)
	result := {
		"msg": sprintf("%s runs as root (runAsUser: 0)", [who]),
		"path": path,
		"fix": {"description": "Remove runAsUser 0 (run as the image's non-root user)", "ops": [{"op": "remove", "path": path}]},
	}
}

unknown contains result if {
	some s in k8s_pod.security_contexts
	ctx := s.ctx
	base := s.path
	lib.is_unknown(ctx.runAsUser)
	who := k8s_pod.who(s)
	result := {
		"msg": sprintf("%s runAsUser is not known", [who]),
		"path": sprintf("%s.runAsUser", [base]),
		"expr": lib.unknown_expr(ctx.runAsUser),
	}
}
