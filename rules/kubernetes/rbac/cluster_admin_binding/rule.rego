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

fail contains result if {
	ref := input.resource.attributes.roleRef
	ref.kind == "ClusterRole"
	ref.name == "cluster-admin"
	subjects := [sprintf("%s %s", [s.kind, s.name]) |
		some s in object.get(input.resource.attributes, "subjects", [])
		not s.name == "system:masters"
	]
	count(subjects) > 0
	result := {
		"msg": sprintf("%s %q grants cluster-admin to %s", [input.resource.attributes.kind, input.resource.attributes.metadata.name, concat(", ", subjects)]),
		"path": "roleRef.name",
	}
}
