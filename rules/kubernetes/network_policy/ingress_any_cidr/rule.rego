# METADATA
# title: NetworkPolicies do not allow ingress from 0.0.0.0/0
# description: >-
#   An ipBlock of 0.0.0.0/0 (or ::/0) in an ingress rule admits every address, the Internet
#   included wherever the pods are reachable; the policy then isolates nothing for those ports.
#   Exceptions listed in except still leave the rest of the Internet.
# custom:
#   id: PG-K8S-NETPOL-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [networking.k8s.io/v1/NetworkPolicy]
#   frameworks:
#     nsa-k8s: ["Network separation"]
#     cis-kubernetes: ["5.3.2"]
#     nist-800-53: ["SC-7"]
#   remediation: Allow the specific CIDRs, namespaces or pods that need access.
#   fixable: false
package policyguard.rules.kubernetes.network_policy.ingress_any_cidr

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
	some i, r in arr(object.get(spec, "ingress", []))
	some j, peer in arr(object.get(obj(r), "from", []))
	cidr := object.get(obj(object.get(obj(peer), "ipBlock", {})), "cidr", null)
	cidr in open_cidrs
	result := {
		"msg": sprintf("ingress rule %d allows %v (every address)", [i, cidr]),
		"path": sprintf("spec.ingress[%d].from[%d].ipBlock.cidr", [i, j]),
	}
}
