# METADATA
# title: NetworkPolicy ingress rules name their sources
# description: >-
#   An ingress rule without from (or with an empty from list) admits traffic from every source, in
#   and outside the cluster; ingress: [{}] turns a policy into allow-all for the selected pods.
# custom:
#   id: PG-K8S-NETPOL-004
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [networking.k8s.io/v1/NetworkPolicy]
#   frameworks:
#     nsa-k8s: ["Network separation"]
#     cis-kubernetes: ["5.3.2"]
#     nist-800-53: ["SC-7"]
#   remediation: List the namespaces, pods or CIDRs allowed in from.
#   fixable: false
package policyguard.rules.kubernetes.network_policy.ingress_any_source

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	spec := obj(object.get(input.resource.attributes, "spec", {}))
	some i, r in arr(object.get(spec, "ingress", []))
	count(arr(object.get(obj(r), "from", []))) == 0
	result := {
		"msg": sprintf("ingress rule %d has no from: it admits every source", [i]),
		"path": sprintf("spec.ingress[%d]", [i]),
	}
}
