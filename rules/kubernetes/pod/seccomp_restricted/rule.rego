# METADATA
# title: Pods use the RuntimeDefault or a Localhost seccomp profile
# description: >-
#   The Pod Security Standards restricted profile requires a seccomp profile of type
#   RuntimeDefault or Localhost, set at pod level or on every container; a container-level value
#   overrides the pod's and must also be one of those. Windows pods are exempt.
# custom:
#   id: PG-K8S-POD-018
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-restricted: [Seccomp]
#     cis-kubernetes: ["5.7.2"]
#     nist-800-53: [CM-7, SC-39]
#   remediation: Set spec.securityContext.seccompProfile.type to RuntimeDefault in the pod template.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.seccomp_restricted

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

allowed := {"RuntimeDefault", "Localhost"}

windows if input.resource.pod_spec.os.name == "windows"

pod_type := input.resource.pod_spec.securityContext.seccompProfile.type

fix_pod := {
	"description": "Use the runtime's default seccomp profile for the pod",
	"ops": [{"op": "set", "path": "pod_spec.securityContext.seccompProfile", "value": {"type": "RuntimeDefault"}}],
}

fail contains result if {
	not windows
	not allowed[pod_type]
	pod_type
	result := {
		"msg": sprintf("the pod sets seccompProfile.type \"%v\" (RuntimeDefault or Localhost required)", [pod_type]),
		"path": "pod_spec.securityContext.seccompProfile.type",
		"fix": fix_pod,
	}
}

fail contains result if {
	not windows
	some c in k8s_pod.containers
	value := c.container.securityContext.seccompProfile.type
	not allowed[value]
	path := sprintf("%s.securityContext.seccompProfile.type", [c.path])
	result := {
		"msg": sprintf("container \"%v\" sets seccompProfile.type \"%v\" (RuntimeDefault or Localhost required)", [object.get(obj(c.container), "name", "<unnamed>"), value]),
		"path": path,
		"fix": {"description": "Use the runtime's default seccomp profile", "ops": [{"op": "set", "path": path, "value": "RuntimeDefault"}]},
	}
}

# No pod-level profile: every container must set its own.
fail contains result if {
	not windows
	not pod_type
	unset := [object.get(obj(c.container), "name", "<unnamed>") |
		some c in k8s_pod.containers
		not c.container.securityContext.seccompProfile.type
	]
	count(unset) > 0
	result := {
		"msg": sprintf("no seccomp profile for the pod, and containers %s set none", [concat(", ", [sprintf("\"%v\"", [n]) | some n in unset])]),
		"path": "pod_spec.securityContext",
		"fix": fix_pod,
	}
}
