# METADATA
# title: Namespaces enforce a Pod Security Standard
# description: >-
#   Without the pod-security.kubernetes.io/enforce label, Pod Security Admission applies only the
#   cluster default (privileged unless configured): nothing stops a privileged or host-namespace
#   pod in this namespace.
# custom:
#   id: PG-K8S-NS-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [v1/Namespace]
#   frameworks:
#     cis-kubernetes: ["5.2.1"]
#     nist-800-53: ["CM-7"]
#     nsa-k8s: ["Pod security"]
#   remediation: Label the namespace pod-security.kubernetes.io/enforce=restricted (or baseline).
#   fixable: false
package policyguard.rules.kubernetes.namespace.psa_enforce

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
	not is_string(level)
	result := {
		"msg": sprintf("namespace \"%v\" has no pod-security.kubernetes.io/enforce label", [object.get(md, "name", "<unnamed>")]),
		"path": "metadata.labels",
	}
}
