# METADATA
# title: Bindings do not grant permissions to system:authenticated
# description: >-
#   system:authenticated is every identity the API server accepts, including every service account
#   of every namespace and, on managed clusters, any account of the cloud provider.
# custom:
#   id: PG-K8S-RBAC-031
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/RoleBinding, rbac.authorization.k8s.io/v1/ClusterRoleBinding]
#   frameworks:
#     cis-kubernetes: ["5.1.1"]
#     nsa-k8s: ["Authentication"]
#     nist-800-53: ["AC-6"]
#   remediation: Bind the role to the groups or service accounts that need it.
#   fixable: false
package policyguard.rules.kubernetes.rbac.system_authenticated

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

subject_matches(s) if {
	object.get(s, "kind", "") == "Group"
	object.get(s, "name", "") == "system:authenticated"
}

fail contains result if {
	attrs := input.resource.attributes
	some i, s in arr(object.get(attrs, "subjects", []))
	subject_matches(obj(s))
	meta := obj(object.get(attrs, "metadata", {}))
	role := obj(object.get(attrs, "roleRef", {}))
	result := {
		"msg": sprintf("%v \"%v\" binds %v \"%v\" to %v (every authenticated identity)", [object.get(attrs, "kind", ""), object.get(meta, "name", "<unnamed>"), object.get(obj(s), "kind", ""), object.get(obj(s), "name", ""), object.get(role, "name", "<no role>")]),
		"path": sprintf("subjects[%d]", [i]),
	}
}
