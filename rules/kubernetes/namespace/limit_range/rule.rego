# METADATA
# title: Namespaces have a LimitRange in the same scan
# description: >-
#   A LimitRange gives containers that declare no requests or limits default values and caps;
#   without it such containers are unbounded. Judged on the objects of one scan: a namespace whose
#   LimitRange lives elsewhere should be scanned together with it or the finding suppressed.
# custom:
#   id: PG-K8S-NS-005
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     kubernetes: [v1/Namespace]
#   frameworks:
#     nsa-k8s: ["Namespaces", "Resource policies"]
#     nist-800-53: ["SC-6"]
#   remediation: Add a LimitRange with default requests and limits to the namespace.
#   fixable: false
package policyguard.rules.kubernetes.namespace.limit_range

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

name := object.get(obj(object.get(input.resource.attributes, "metadata", {})), "name", "")

# namespaces holding a LimitRange in this scan: computed once per resource, then a set lookup
covered contains ns if {
	some r in input.resources
	attrs := obj(object.get(obj(r), "attributes", {}))
	object.get(attrs, "kind", "") == "LimitRange"
	ns := object.get(obj(object.get(attrs, "metadata", {})), "namespace", "default")
}

fail contains result if {
	not name in {"kube-system", "kube-public", "kube-node-lease"}
	not name in covered
	result := {
		"msg": sprintf("namespace \"%v\" has no LimitRange in this scan", [name]),
		"path": "metadata.name",
	}
}
