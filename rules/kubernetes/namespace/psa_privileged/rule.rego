# METADATA
# title: Namespaces do not enforce the privileged Pod Security level
# description: >-
#   pod-security.kubernetes.io/enforce=privileged switches Pod Security Admission off for the
#   namespace: privileged containers, host namespaces and hostPath volumes are all admitted. Keep
#   it to the few system namespaces that need it.
# custom:
#   id: PG-K8S-NS-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [v1/Namespace]
#   frameworks:
#     cis-kubernetes: ["5.2.1"]
#     nist-800-53: ["CM-7"]
#     nsa-k8s: ["Pod security"]
#   remediation: Set the enforce label to baseline or restricted; move node agents to a dedicated namespace.
#   fixable: false
package policyguard.rules.kubernetes.namespace.psa_privileged

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	md := obj(object.get(input.resource.attributes, "metadata", {}))
	level := object.get(obj(object.get(md, "labels", {})), "pod-security.kubernetes.io/enforce", null)
	is_string(level)
	lower(trim_space(level)) == "privileged"
	result := {
		"msg": sprintf("namespace \"%v\" enforces the privileged level (no Pod Security restrictions)", [object.get(md, "name", "<unnamed>")]),
		"path": "metadata.labels[\"pod-security.kubernetes.io/enforce\"]",
	}
}
