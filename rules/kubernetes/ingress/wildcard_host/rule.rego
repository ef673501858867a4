# METADATA
# title: Ingresses do not use wildcard hosts
# description: >-
#   A wildcard host (*.example.com) routes every subdomain to the backend, including names
#   nobody intended to serve, which widens the attack surface and helps subdomain takeover and
#   phishing. List the hosts explicitly.
# custom:
#   id: PG-K8S-INGRESS-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [networking.k8s.io/v1/Ingress]
#   frameworks:
#     nist-800-53: [CM-7]
#   remediation: Replace the wildcard with the explicit host names served.
#   fixable: false
package policyguard.rules.kubernetes.ingress.wildcard_host

import rego.v1

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, r in arr(input.resource.attributes.spec.rules)
	is_string(r.host)
	startswith(r.host, "*")
	result := {
		"msg": sprintf("Ingress \"%v\" routes wildcard host \"%v\"", [input.resource.attributes.metadata.name, r.host]),
		"path": sprintf("spec.rules[%d].host", [i]),
	}
}
