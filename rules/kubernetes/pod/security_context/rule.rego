# METADATA
# title: Containers have a securityContext
# description: >-
#   A container without any securityContext (and a pod without one to inherit from) runs with
#   every runtime default: root if the image says so, writable root file system, default
#   capabilities, privilege escalation allowed. The other rules name each setting; this one flags
#   containers where nobody made any choice.
# custom:
#   id: PG-K8S-POD-045
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     cis-kubernetes: ["5.7.3"]
#     nist-800-53: ["CM-6"]
#   remediation: "Add a securityContext (runAsNonRoot, allowPrivilegeEscalation: false, readOnlyRootFilesystem, capabilities.drop: [ALL])."
#   fixable: false
package policyguard.rules.kubernetes.pod.security_context

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

pod_ctx := obj(object.get(obj(input.resource.pod_spec), "securityContext", {}))

fail contains result if {
	count(pod_ctx) == 0
	some c in k8s_pod.containers
	c.kind != "ephemeralContainers"
	count(obj(object.get(obj(c.container), "securityContext", {}))) == 0
	result := {
		"msg": sprintf("container \"%v\" has no securityContext and the pod sets none", [object.get(obj(c.container), "name", "<unnamed>")]),
		"path": c.path,
	}
}
