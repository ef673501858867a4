# METADATA
# title: Bindings do not grant permissions to system:anonymous
# description: >-
#   system:anonymous is every request without credentials: anything bound to it is open to the
#   network.
# custom:
#   id: PG-K8S-RBAC-029
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/RoleBinding, rbac.authorization.k8s.io/v1/ClusterRoleBinding]
#   frameworks:
#     cis-kubernetes: ["5.1.1"]
#     nsa-k8s: ["Authentication"]
#     nist-800-53: ["AC-14", "AC-6"]
#   remediation: Remove the subject; give the access to authenticated identities only.
#   fixable: false
package policyguard.rules.kubernetes.rbac.system_anonymous

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

subject_matches(s) if {
	object.get(s, "kind", "") == "User"
	object.get(s, "name", "") == "system:anonymous"
}

fail contains result if {
	attrs := input.resource.attributes
	some i, s in arr(object.get(attrs, "subjects", []))
	subject_matches(obj(s))
	meta := obj(object.get(attrs, "metadata", {}))
	role := obj(object.get(attrs, "roleRef", {}))
	result := {
		"msg": sprintf("%v \"%v\" binds %v \"%v\" to %v (unauthenticated access)", [object.get(attrs, "kind", ""), object.get(meta, "name", "<unnamed>"), object.get(obj(s), "kind", ""), object.get(obj(s), "name", ""), object.get(role, "name", "<no role>")]),
		"path": sprintf("subjects[%d]", [i]),
	}
}
