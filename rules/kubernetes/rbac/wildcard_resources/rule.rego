# METADATA
# title: Roles do not grant access to every resource
# description: >-
#   resources ["*"] covers every resource type of the listed API groups, including ones added
#   later (secrets, CRDs holding credentials). List the resources explicitly.
# custom:
#   id: PG-K8S-RBAC-002
#   severity: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/Role, rbac.authorization.k8s.io/v1/ClusterRole]
#   frameworks:
#     cis-kubernetes: ["5.1.3"]
#     nist-800-53: [AC-6]
#     soc2: [CC6.3]
#   remediation: Replace "*" with the explicit resource names needed.
#   fixable: false
package policyguard.rules.kubernetes.rbac.wildcard_resources

import rego.v1

fail contains result if {
	some i, r in input.resource.attributes.rules
	some j, res in r.resources
	res == "*"
	result := {
		"msg": sprintf("%s %q rule %d grants %v on every resource (\"*\") of API groups %v", [input.resource.attributes.kind, input.resource.attributes.metadata.name, i, object.get(r, "verbs", []), object.get(r, "apiGroups", [])]),
		"path": sprintf("rules[%d].resources[%d]", [i, j]),
	}
}
