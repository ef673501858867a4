# METADATA
# title: Default service accounts do not automount tokens
# description: >-
#   Every pod without its own service account runs as the namespace's default one; unless that
#   account sets automountServiceAccountToken: false each of them gets an API token mounted,
#   whether it needs the API or not.
# custom:
#   id: PG-K8S-SA-003
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [v1/ServiceAccount]
#   frameworks:
#     nsa-k8s: ["Protecting Pod service account tokens"]
#     cis-kubernetes: ["5.1.5"]
#     nist-800-53: ["AC-6"]
#   remediation: "Set automountServiceAccountToken: false on the default ServiceAccount."
#   fixable: false
package policyguard.rules.kubernetes.service_account.default_automount

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	attrs := input.resource.attributes
	object.get(obj(object.get(attrs, "metadata", {})), "name", "") == "default"
	object.get(attrs, "automountServiceAccountToken", null) != false
	result := {"msg": "the default ServiceAccount mounts API tokens into pods (automountServiceAccountToken not false)", "path": "automountServiceAccountToken"}
}
