# METADATA
# title: Roles do not grant access to every resource
# description: >-
#   resources ["*"] covers every resource type of the listed API groups, including ones added
#   later (secrets, CRDs holding credentials). List the resources explicitly.
# custom:
#   id: PG-K8S-RBAC-002
#   severity: high
#   profile: baseline
#   confidence: high
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

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, r in arr(input.resource.attributes.rules)
	some j, res in arr(r.resources)
	res == "*"
	result := {
		"msg": sprintf("%s \"%v\" rule %d grants %v on every resource (\"*\") of API groups %v", [input.resource.attributes.kind, input.resource.attributes.metadata.name, i, arr(object.get(obj(r), "verbs", [])), arr(object.get(obj(r), "apiGroups", []))]),
		"path": sprintf("rules[%d].resources[%d]", [i, j]),
	}
}
