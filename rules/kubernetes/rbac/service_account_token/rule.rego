# METADATA
# title: Roles do not grant creating service account tokens
# description: >-
#   create on serviceaccounts/token mints tokens for any service account in scope, i.e. takes on
#   their permissions.
# custom:
#   id: PG-K8S-RBAC-016
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/Role, rbac.authorization.k8s.io/v1/ClusterRole]
#   frameworks:
#     cis-kubernetes: ["5.1.13"]
#     nist-800-53: ["AC-6", "IA-5"]
#   remediation: Remove serviceaccounts/token create; pods receive projected tokens without it.
#   fixable: false
package policyguard.rules.kubernetes.rbac.service_account_token

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

groups := {"", "*"}

target_resources := {"serviceaccounts/token"}

target_verbs := {"create", "*"}

# Wildcard resources are the wildcard rules' finding (PG-K8S-RBAC-002); this rule reports
# the named grant, including through verbs "*" and apiGroups "*".
in_groups(r) if {
	some g in arr(object.get(obj(r), "apiGroups", []))
	g in groups
}

# a function, not a comprehension in the iterating body (portable to the compiled VM)
granted_verbs(r) := [v | some v in arr(object.get(obj(r), "verbs", [])); v in target_verbs]

fail contains result if {
	attrs := input.resource.attributes
	some i, r in arr(object.get(attrs, "rules", []))
	# the resource first: few rules name these resources, most name an API group that matches
	some j, res in arr(object.get(obj(r), "resources", []))
	res in target_resources
	in_groups(r)
	verbs := granted_verbs(r)
	count(verbs) > 0
	meta := obj(object.get(attrs, "metadata", {}))
	result := {
		"msg": sprintf("%v \"%v\" rule %d allows %s on %v (token minting)", [object.get(attrs, "kind", ""), object.get(meta, "name", "<unnamed>"), i, concat(", ", verbs), res]),
		"path": sprintf("rules[%d].resources[%d]", [i, j]),
	}
}
