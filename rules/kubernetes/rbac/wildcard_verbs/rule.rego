# METADATA
# title: Roles do not grant every verb
# description: >-
#   verbs ["*"] grants every current and future verb on the listed resources, including
#   escalate, bind, impersonate and delete collection. Grant the verbs the subject actually uses.
# custom:
#   id: PG-K8S-RBAC-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/Role, rbac.authorization.k8s.io/v1/ClusterRole]
#   frameworks:
#     cis-kubernetes: ["5.1.3"]
#     nist-800-53: [AC-6]
#     soc2: [CC6.3]
#   remediation: Replace "*" with the explicit verbs needed (e.g. get, list, watch).
#   fixable: false
package policyguard.rules.kubernetes.rbac.wildcard_verbs

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
	some j, verb in arr(r.verbs)
	verb == "*"
	result := {
		"msg": sprintf("%s \"%v\" rule %d grants every verb (\"*\") on %v", [input.resource.attributes.kind, input.resource.attributes.metadata.name, i, arr(object.get(obj(r), "resources", object.get(obj(r), "nonResourceURLs", [])))]),
		"path": sprintf("rules[%d].verbs[%d]", [i, j]),
	}
}
