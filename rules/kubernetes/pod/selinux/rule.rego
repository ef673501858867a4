# METADATA
# title: Pods do not set custom SELinux user, role or type
# description: >-
#   Setting an SELinux user or role, or a type other than container_t, container_init_t,
#   container_kvm_t or container_engine_t, can give the container an unconfined or host
#   label. The Pod Security Standards baseline profile forbids it, at pod and container level.
# custom:
#   id: PG-K8S-POD-009
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [SELinux]
#     nist-800-53: [AC-6, AC-3]
#   remediation: Remove seLinuxOptions.user and seLinuxOptions.role, and leave type unset or use container_t.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.selinux

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

allowed_types := {null, "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

fail contains result if {
	some s in k8s_pod.security_contexts
	ctx := s.ctx
	base := s.path
	opts := ctx.seLinuxOptions
	some key in ["user", "role"]
	value := opts[key]
	not value in {"", null}
	path := sprintf("%s.seLinuxOptions.%s", [base, key])
	who := k8s_pod.who(s)
	result := {
		"msg": sprintf("%s sets a custom SELinux %s \"%v\"", [who, key, value]),
		"path": path,
		"fix": {"description": sprintf("Remove the SELinux %s", [key]), "ops": [{"op": "remove", "path": path}]},
	}
}

fail contains result if {
	some s in k8s_pod.security_contexts
	ctx := s.ctx
	base := s.path
	value := ctx.seLinuxOptions.type
	not value in allowed_types
	path := sprintf("%s.seLinuxOptions.type", [base])
	who := k8s_pod.who(s)
	result := {
		"msg": sprintf("%s sets SELinux type \"%v\" (allowed: container_t, container_init_t, container_kvm_t, container_engine_t)", [who, value]),
		"path": path,
		"fix": {"description": "Remove the custom SELinux type", "ops": [{"op": "remove", "path": path}]},
	}
}
