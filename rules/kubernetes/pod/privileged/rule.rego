# METADATA
# title: Containers do not run privileged
# description: >-
#   A privileged container gets every capability and access to all host devices; escaping to the
#   node is trivial. Forbidden by the Pod Security Standards baseline profile.
# custom:
#   id: PG-K8S-POD-004
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [Privileged Containers]
#     cis-kubernetes: ["5.2.2"]
#     nist-800-53: [AC-6, CM-7]
#   remediation: Set securityContext.privileged to false (or remove it) and grant only the specific capabilities needed.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.privileged

import rego.v1

import data.policyguard.k8s_pod
import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	some c in k8s_pod.containers
	value := c.container.securityContext.privileged
	not lib.falsy(value)
	path := sprintf("%s.securityContext.privileged", [c.path])
	result := {
		"msg": sprintf("container \"%v\" runs privileged (securityContext.privileged: %v)", [object.get(obj(c.container), "name", "<unnamed>"), value]),
		"path": path,
		"fix": {"description": "Set privileged to false", "ops": [{"op": "set", "path": path, "value": false}]},
	}
}
