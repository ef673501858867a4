# METADATA
# title: Manifests do not use deprecated APIs
# description: >-
#   Still served but deprecated: v1 ComponentStatus (since 1.19, reports nothing useful on current
#   control planes) and v1 Endpoints (since 1.33; EndpointSlices replace it and carry dual-stack
#   and topology information). Tooling built on them breaks when they go.
# custom:
#   id: PG-K8S-API-002
#   severity: low
#   profile: baseline
#   confidence: medium
#   resource_types:
#     kubernetes: ["*"]
#   frameworks:
#     nsa-k8s: ["Upgrading and application security practices"]
#     nist-800-53: ["SI-2"]
#   remediation: Use discovery.k8s.io/v1 EndpointSlice instead of Endpoints; drop ComponentStatus checks.
#   fixable: false
package policyguard.rules.kubernetes.api.deprecated_kind

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

deprecated := {"v1/ComponentStatus": "1.19", "v1/Endpoints": "1.33"}

fail contains result if {
	attrs := input.resource.attributes
	key := sprintf("%v/%v", [object.get(attrs, "apiVersion", ""), object.get(attrs, "kind", "")])
	since := deprecated[key]
	result := {"msg": sprintf("%v is deprecated since Kubernetes %v", [key, since]), "path": "kind"}
}
