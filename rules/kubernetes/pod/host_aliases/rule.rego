# METADATA
# title: Pods do not set hostAliases
# description: >-
#   hostAliases writes entries into the pod's /etc/hosts, overriding DNS for those names: a way to
#   redirect a workload's traffic for a domain (credentials included) that DNS controls and audit
#   do not see.
# custom:
#   id: PG-K8S-POD-039
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     nist-800-53: ["SC-20"]
#   remediation: Remove hostAliases; publish the names through DNS (a Service or an ExternalName).
#   fixable: false
package policyguard.rules.kubernetes.pod.host_aliases

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

spec := obj(input.resource.pod_spec)

fail contains result if {
	count(arr(object.get(spec, "hostAliases", []))) > 0
	result := {"msg": "the pod overrides name resolution with hostAliases", "path": "pod_spec.hostAliases"}
}
