# METADATA
# title: Roles do not grant every verb
# description: >-
#   verbs ["*"] grants every current and future verb on the listed resources, including
#   escalate, bind, impersonate and delete collection. Grant the verbs the subject actually uses.
# custom:
#   id: PG-K8S-RBAC-001
#   severity: high
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

fail contains result if {
	some i, r in input.resource.attributes.rules
	some j, verb in r.verbs
	verb == "*"
	result := {
		"msg": sprintf("%s %q rule %d grants every verb (\"*\") on %v", [input.resource.attributes.kind, input.resource.attributes.metadata.name, i, object.get(r, "resources", object.get(r, "nonResourceURLs", []))]),
		"path": sprintf("rules[%d].verbs[%d]", [i, j]),
	}
}
