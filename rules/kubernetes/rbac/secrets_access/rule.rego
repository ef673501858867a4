# METADATA
# title: Roles do not grant broad read access to Secrets
# description: >-
#   get, list or watch on secrets (directly or through "*") reveals every credential of the
#   namespace, or of the cluster for a ClusterRole, including service account tokens. Rules
#   restricted to named secrets (resourceNames) pass.
# custom:
#   id: PG-K8S-RBAC-004
#   severity: high
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

read_verbs := {"get", "list", "watch", "*"}

fail contains result if {
	some i, r in input.resource.attributes.rules
	some group in object.get(r, "apiGroups", [])
	group in {"", "*"}
	some j, res in r.resources
	res in {"secrets", "*"}
	verbs := [v | some v in r.verbs; v in read_verbs]
	count(verbs) > 0
	count(object.get(r, "resourceNames", [])) == 0
	result := {
		"msg": sprintf("%s %q rule %d allows %s on %s", [input.resource.attributes.kind, input.resource.attributes.metadata.name, i, concat(", ", verbs), res]),
		"path": sprintf("rules[%d].resources[%d]", [i, j]),
	}
}
