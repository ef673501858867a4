# METADATA
# title: Roles do not grant broad read access to Secrets
# description: >-
#   get, list or watch on secrets (directly or through "*") reveals every credential of the
#   namespace, or of the cluster for a ClusterRole, including service account tokens. Rules
#   restricted to named secrets (resourceNames) pass.
# custom:
#   id: PG-K8S-RBAC-004
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/Role, rbac.authorization.k8s.io/v1/ClusterRole]
#   frameworks:
#     cis-kubernetes: ["5.1.2"]
#     nist-800-53: [AC-6, SC-28]
#     soc2: [CC6.1]
#   remediation: Remove secrets from the rule or restrict it with resourceNames to the secrets the subject needs.
#   fixable: false
package policyguard.rules.kubernetes.rbac.secrets_access

import rego.v1

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

read_verbs := {"get", "list", "watch", "*"}

# a function, not a comprehension in the iterating rule body: portable to the compiled VM the
# webhook uses (rules/README.md, "Portable Rego")
reading_verbs(r) := [v | some v in arr(r.verbs); v in read_verbs]

fail contains result if {
	some i, r in arr(input.resource.attributes.rules)
	some group in arr(object.get(obj(r), "apiGroups", []))
	group in {"", "*"}
	some j, res in arr(r.resources)
	res in {"secrets", "*"}
	verbs := reading_verbs(r)
	count(verbs) > 0
	count(arr(object.get(obj(r), "resourceNames", []))) == 0
	result := {
		"msg": sprintf("%s \"%v\" rule %d allows %s on %s", [input.resource.attributes.kind, input.resource.attributes.metadata.name, i, concat(", ", verbs), res]),
		"path": sprintf("rules[%d].resources[%d]", [i, j]),
	}
}
