# METADATA
# title: Containers set a memory limit
# description: >-
#   Without resources.limits.memory, a leak or a malicious workload can exhaust the node's memory and get other pods evicted. Checked on containers and init containers
#   (the API does not allow resources on ephemeral containers).
# custom:
#   id: PG-K8S-RES-003
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Resource policies"]
#     nist-800-53: [SC-6]
#   remediation: Set resources.limits.memory on every container, sized from observed usage.
#   fixable: false
package policyguard.rules.kubernetes.resources.memory_limits

import rego.v1

import data.policyguard.k8s_pod
import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	some c in k8s_pod.containers
	c.kind != "ephemeralContainers"
	not lib.has(object.get(obj(c.container), ["resources", "limits"], {}), "memory")
	result := {
		"msg": sprintf("container \"%v\" sets no memory limit (resources.limits.memory)", [object.get(obj(c.container), "name", "<unnamed>")]),
		"path": sprintf("%s.resources.limits.memory", [c.path]),
	}
}
