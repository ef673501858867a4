# METADATA
# title: Containers set a CPU limit
# description: >-
#   Without resources.limits.cpu, a runaway process can starve co-located pods of CPU (some teams deliberately omit CPU limits to avoid throttling; suppress this rule if so). Checked on containers and init containers
#   (the API does not allow resources on ephemeral containers).
# custom:
#   id: PG-K8S-RES-004
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Resource policies"]
#     nist-800-53: [SC-6]
#   remediation: Set resources.limits.cpu on every container, sized from observed usage.
#   fixable: false
package policyguard.rules.kubernetes.resources.cpu_limits

import rego.v1

import data.policyguard.k8s_pod
import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	some c in k8s_pod.containers
	c.kind != "ephemeralContainers"
	not lib.has(object.get(obj(c.container), ["resources", "limits"], {}), "cpu")
	result := {
		"msg": sprintf("container \"%v\" sets no CPU limit (resources.limits.cpu)", [object.get(obj(c.container), "name", "<unnamed>")]),
		"path": sprintf("%s.resources.limits.cpu", [c.path]),
	}
}
