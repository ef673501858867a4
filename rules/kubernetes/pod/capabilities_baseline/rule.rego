# METADATA
# title: Containers add no capabilities beyond the baseline set
# description: >-
#   The Pod Security Standards baseline profile allows adding only AUDIT_WRITE, CHOWN,
#   DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP,
#   SETUID and SYS_CHROOT. Others (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, ALL...) widen the
#   kernel attack surface or allow escaping the container. Names are compared case-insensitively
#   and with or without the CAP_ prefix, as container runtimes accept both.
# custom:
#   id: PG-K8S-POD-005
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [Capabilities]
#     cis-kubernetes: ["5.2.8", "5.2.9"]
#     nist-800-53: [AC-6, CM-7]
#   remediation: Remove the extra capabilities from securityContext.capabilities.add.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.capabilities_baseline

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

allowed := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

normalise(cap) := trim_prefix(upper(cap), "CAP_") if is_string(cap)

fail contains result if {
	count(k8s_pod.added_caps) > 0 # no container adds a capability: nothing to judge
	some c in k8s_pod.containers
	added := c.container.securityContext.capabilities.add
	is_array(added)
	extra := outside_baseline(added)
	count(extra) > 0
	kept := inside_baseline(added)
	path := sprintf("%s.securityContext.capabilities.add", [c.path])
	result := {
		"msg": sprintf("container \"%v\" adds capabilities outside the baseline set: %s", [object.get(obj(c.container), "name", "<unnamed>"), listed(extra)]),
		"path": path,
		"fix": {"description": "Drop the capabilities outside the baseline set", "ops": [fix_op(path, kept)]},
	}
}

# Comprehensions live in functions, not in the iterating rule body: portable to the compiled VM
# the webhook uses (rules/README.md, "Portable Rego").
outside_baseline(added) := [cap | some cap in added; not normalise(cap) in allowed]

inside_baseline(added) := [cap | some cap in added; normalise(cap) in allowed]

listed(caps) := concat(", ", [sprintf("%v", [x]) | some x in caps])

fix_op(path, kept) := {"op": "remove", "path": path} if count(kept) == 0

fix_op(path, kept) := {"op": "set", "path": path, "value": kept} if count(kept) > 0
