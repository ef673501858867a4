# METADATA
# title: Roles do not grant escalate, bind or impersonate
# description: >-
#   escalate lets a subject edit roles beyond its own permissions, bind lets it bind any role,
#   and impersonate lets it act as other users, groups or service accounts: each is a path to
#   cluster-admin. Wildcard verbs are reported by PG-K8S-RBAC-001.
# custom:
#   id: PG-K8S-RBAC-005
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/Role, rbac.authorization.k8s.io/v1/ClusterRole]
#   frameworks:
#     cis-kubernetes: ["5.1.8"]
#     nist-800-53: [AC-6]
#     soc2: [CC6.3]
#   remediation: Remove escalate, bind and impersonate from the rule; grant them only to tightly controlled admin roles.
#   fixable: false
package policyguard.rules.kubernetes.rbac.escalation_verbs

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
	verb in {"escalate", "bind", "impersonate"}
	result := {
		"msg": sprintf("%s \"%v\" rule %d grants %s on %v", [input.resource.attributes.kind, input.resource.attributes.metadata.name, i, verb, arr(object.get(obj(r), "resources", []))]),
		"path": sprintf("rules[%d].verbs[%d]", [i, j]),
	}
}
