# METADATA
# title: Bindings do not grant permissions to default service accounts
# description: >-
#   Every pod that names no service account runs as its namespace's default service account:
#   permissions bound to it go to all of them, including pods added later.
# custom:
#   id: PG-K8S-RBAC-032
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/RoleBinding, rbac.authorization.k8s.io/v1/ClusterRoleBinding]
#   frameworks:
#     cis-kubernetes: ["5.1.5"]
#     nist-800-53: ["AC-6"]
#   remediation: Create a dedicated service account for the workload that needs the role and bind that.
#   fixable: false
package policyguard.rules.kubernetes.rbac.default_service_account_binding

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

subject_matches(s) if {
	object.get(s, "kind", "") == "ServiceAccount"
	object.get(s, "name", "") == "default"
}

fail contains result if {
	attrs := input.resource.attributes
	some i, s in arr(object.get(attrs, "subjects", []))
	subject_matches(obj(s))
	meta := obj(object.get(attrs, "metadata", {}))
	role := obj(object.get(attrs, "roleRef", {}))
	result := {
		"msg": sprintf("%v \"%v\" binds %v \"%v\" to %v (shared by every pod without its own account)", [object.get(attrs, "kind", ""), object.get(meta, "name", "<unnamed>"), object.get(obj(s), "kind", ""), object.get(obj(s), "name", ""), object.get(role, "name", "<no role>")]),
		"path": sprintf("subjects[%d]", [i]),
	}
}
