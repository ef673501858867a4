# METADATA
# title: Objects are not placed in the default namespace
# description: >-
#   The default namespace has no isolation of its own: resource quotas, network policies and
#   RBAC are usually designed per application namespace. Objects whose manifest sets namespace
#   default explicitly fail; objects without a namespace pass, as the namespace is then chosen at
#   deploy time (kubectl -n, kustomize, Helm, Argo CD).
# custom:
#   id: PG-K8S-NS-001
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: ["*"]
#   frameworks:
#     cis-kubernetes: ["5.7.4"]
#     nist-800-53: [AC-4, SC-7]
#   remediation: Deploy into a dedicated namespace (metadata.namespace or the deploy tool's namespace setting).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.namespace.default_namespace

import rego.v1

fail contains result if {
	input.resource.attributes.metadata.namespace == "default"
	result := {
		"msg": sprintf("%s \"%v\" is placed in the default namespace", [input.resource.attributes.kind, input.resource.attributes.metadata.name]),
		"path": "metadata.namespace",
		"fix": {
			"description": "Remove the explicit default namespace (choose it at deploy time)",
			"ops": [{"op": "remove", "path": "metadata.namespace"}],
		},
	}
}
