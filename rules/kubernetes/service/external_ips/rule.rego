# METADATA
# title: Services do not set externalIPs
# description: >-
#   Any user who can create a Service with externalIPs can make the cluster intercept traffic to
#   those addresses (CVE-2020-8554, unpatched by design): a man-in-the-middle on other tenants' or
#   external hosts' traffic. Restrict the field with an admission policy and avoid it in
#   manifests.
# custom:
#   id: PG-K8S-SVC-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [v1/Service]
#   frameworks:
#     nsa-k8s: ["Network separation"]
#     nist-800-53: ["SC-7"]
#   remediation: Use a LoadBalancer Service or an Ingress instead of externalIPs.
#   fixable: false
package policyguard.rules.kubernetes.service.external_ips

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	ips := arr(object.get(obj(object.get(input.resource.attributes, "spec", {})), "externalIPs", []))
	count(ips) > 0
	result := {
		"msg": sprintf("Service sets externalIPs %v (CVE-2020-8554 traffic interception)", [concat(", ", [sprintf("%v", [ip]) | some ip in ips])]),
		"path": "spec.externalIPs",
	}
}
