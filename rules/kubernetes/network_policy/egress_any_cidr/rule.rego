# METADATA
# title: NetworkPolicies do not allow egress to 0.0.0.0/0
# description: >-
#   An ipBlock of 0.0.0.0/0 (or ::/0) in an egress rule lets the pods reach any address:
#   exfiltration and command-and-control channels stay open, as does the cloud metadata endpoint
#   unless excepted.
# custom:
#   id: PG-K8S-NETPOL-003
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [networking.k8s.io/v1/NetworkPolicy]
#   frameworks:
#     nsa-k8s: ["Network separation", "Protecting sensitive cloud infrastructure"]
#     nist-800-53: ["SC-7"]
#   remediation: Allow egress to the destinations the workload needs (and route Internet traffic through an egress proxy).
#   fixable: false
package policyguard.rules.kubernetes.network_policy.egress_any_cidr

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

open_cidrs := {"0.0.0.0/0", "::/0"}

fail contains result if {
	spec := obj(object.get(input.resource.attributes, "spec", {}))
	some i, r in arr(object.get(spec, "egress", []))
	some j, peer in arr(object.get(obj(r), "to", []))
	cidr := object.get(obj(object.get(obj(peer), "ipBlock", {})), "cidr", null)
	cidr in open_cidrs
	result := {
		"msg": sprintf("egress rule %d allows %v (every destination)", [i, cidr]),
		"path": sprintf("spec.egress[%d].to[%d].ipBlock.cidr", [i, j]),
	}
}
