# METADATA
# title: Containers use the default /proc mount
# description: >-
#   procMount: Unmasked exposes the parts of /proc the runtime normally masks (kernel
#   parameters, keys, timers). The Pod Security Standards baseline profile requires the
#   Default /proc mount type.
# custom:
#   id: PG-K8S-POD-010
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [/proc Mount Type]
#     nist-800-53: [AC-6, SC-39]
#   remediation: Remove securityContext.procMount or set it to Default.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.proc_mount

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	some c in k8s_pod.containers
	value := c.container.securityContext.procMount
	not value in {"Default", null}
	path := sprintf("%s.securityContext.procMount", [c.path])
	result := {
		"msg": sprintf("container \"%v\" uses procMount \"%v\"", [object.get(obj(c.container), "name", "<unnamed>"), value]),
		"path": path,
		"fix": {"description": "Use the default /proc mount", "ops": [{"op": "set", "path": path, "value": "Default"}]},
	}
}
