# METADATA
# title: Bindings do not name the system:masters group
# description: >-
#   Members of system:masters bypass RBAC and admission webhooks entirely and cannot be revoked
#   short of rotating the CA; binding roles to it is meaningless at best and a sign of a
#   credential scheme built on it.
# custom:
#   id: PG-K8S-RBAC-028
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/RoleBinding, rbac.authorization.k8s.io/v1/ClusterRoleBinding]
#   frameworks:
#     cis-kubernetes: ["5.1.7"]
#     nist-800-53: ["AC-6"]
#   remediation: "Bind roles to dedicated groups; keep system:masters for break-glass certificates only."
#   fixable: false
package policyguard.rules.kubernetes.rbac.system_masters

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

subject_matches(s) if {
	object.get(s, "kind", "") == "Group"
	object.get(s, "name", "") == "system:masters"
}

fail contains result if {
	attrs := input.resource.attributes
	some i, s in arr(object.get(attrs, "subjects", []))
	subject_matches(obj(s))
	meta := obj(object.get(attrs, "metadata", {}))
	role := obj(object.get(attrs, "roleRef", {}))
	result := {
		"msg": sprintf("%v \"%v\" binds %v \"%v\" to %v (break-glass group)", [object.get(attrs, "kind", ""), object.get(meta, "name", "<unnamed>"), object.get(obj(s), "kind", ""), object.get(obj(s), "name", ""), object.get(role, "name", "<no role>")]),
		"path": sprintf("subjects[%d]", [i]),
	}
}
