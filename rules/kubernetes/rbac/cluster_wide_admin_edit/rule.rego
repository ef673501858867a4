# METADATA
# title: ClusterRoleBindings do not grant admin or edit cluster-wide
# description: >-
#   The admin and edit ClusterRoles are meant to be bound per namespace with a RoleBinding. A
#   ClusterRoleBinding grants them in every namespace, kube-system included (edit reads all
#   secrets and creates pods everywhere).
# custom:
#   id: PG-K8S-RBAC-033
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/ClusterRoleBinding]
#   frameworks:
#     cis-kubernetes: ["5.1.1"]
#     nsa-k8s: ["RBAC"]
#     nist-800-53: ["AC-6"]
#   remediation: Bind admin/edit with a RoleBinding in each namespace the subject works in.
#   fixable: false
package policyguard.rules.kubernetes.rbac.cluster_wide_admin_edit

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	attrs := input.resource.attributes
	role := obj(object.get(attrs, "roleRef", {}))
	object.get(role, "kind", "") == "ClusterRole"
	name := object.get(role, "name", "")
	name in {"admin", "edit"}
	count(arr(object.get(attrs, "subjects", []))) > 0
	meta := obj(object.get(attrs, "metadata", {}))
	result := {
		"msg": sprintf("ClusterRoleBinding \"%v\" grants ClusterRole %v in every namespace", [object.get(meta, "name", "<unnamed>"), name]),
		"path": "roleRef.name",
	}
}
