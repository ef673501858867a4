# METADATA
# title: The cluster-admin role is not bound to users or service accounts
# description: >-
#   cluster-admin is superuser access to every object in every namespace. Bindings to it
#   (ClusterRoleBinding, or a RoleBinding that grants it inside a namespace) should be limited to
#   break-glass identities managed outside application manifests. The built-in group
#   system:masters is not reported.
# custom:
#   id: PG-K8S-RBAC-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/ClusterRoleBinding, rbac.authorization.k8s.io/v1/RoleBinding]
#   frameworks:
#     cis-kubernetes: ["5.1.1"]
#     nist-800-53: [AC-6, AC-2]
#     soc2: [CC6.3]
#   remediation: Bind a least-privilege Role/ClusterRole instead of cluster-admin.
#   fixable: false
package policyguard.rules.kubernetes.rbac.cluster_admin_binding

import rego.v1

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	ref := input.resource.attributes.roleRef
	ref.kind == "ClusterRole"
	ref.name == "cluster-admin"
	subjects := [sprintf("%s %s", [s.kind, s.name]) |
		some s in arr(object.get(obj(input.resource.attributes), "subjects", []))
		not s.name == "system:masters"
	]
	count(subjects) > 0
	result := {
		"msg": sprintf("%s \"%v\" grants cluster-admin to %s", [input.resource.attributes.kind, input.resource.attributes.metadata.name, concat(", ", subjects)]),
		"path": "roleRef.name",
	}
}
