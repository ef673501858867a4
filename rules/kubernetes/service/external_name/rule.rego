# METADATA
# title: Services are not of type ExternalName
# description: >-
#   An ExternalName Service is a DNS alias chosen by whoever writes it; ingress controllers and
#   proxies that follow it can be pointed at internal hosts (the API server, cloud metadata, other
#   namespaces' services) and used to reach them (CVE-2021-25740).
# custom:
#   id: PG-K8S-SVC-004
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [v1/Service]
#   frameworks:
#     nsa-k8s: ["Network separation"]
#     nist-800-53: ["SC-7"]
#   remediation: Use a Service with a selector or explicit EndpointSlices, or an egress gateway for external hosts.
#   fixable: false
package policyguard.rules.kubernetes.service.external_name

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	spec := obj(object.get(input.resource.attributes, "spec", {}))
	object.get(spec, "type", "") == "ExternalName"
	result := {
		"msg": sprintf("Service is an ExternalName alias for \"%v\"", [object.get(spec, "externalName", "")]),
		"path": "spec.type",
	}
}
