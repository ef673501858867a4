# METADATA
# title: Containers drop the NET_RAW capability
# description: >-
#   Container runtimes grant NET_RAW by default, which allows raw sockets (packet spoofing, ARP
#   and DNS poisoning of neighbouring pods). A container should drop NET_RAW or ALL unless it
#   needs it. Windows pods are exempt (no Linux capabilities).
# custom:
#   id: PG-K8S-POD-035
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     cis-kubernetes: ["5.2.8"]
#     nsa-k8s: ["Pod security"]
#     nist-800-53: ["AC-6"]
#   remediation: Add NET_RAW (or ALL) to securityContext.capabilities.drop.
#   fixable: false
package policyguard.rules.kubernetes.pod.net_raw_not_dropped

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

norm(cap) := trim_prefix(upper(cap), "CAP_") if is_string(cap)

windows if object.get(obj(object.get(obj(input.resource.pod_spec), "os", {})), "name", "") == "windows"

dropped(ctr) := {norm(cap) | some cap in arr(object.get(obj(object.get(obj(object.get(ctr, "securityContext", {})), "capabilities", {})), "drop", []))}

fail contains result if {
	not windows
	some c in k8s_pod.containers
	c.kind != "ephemeralContainers"
	d := dropped(obj(c.container))
	not "NET_RAW" in d
	not "ALL" in d
	result := {
		"msg": sprintf("container \"%v\" keeps the NET_RAW capability (drop NET_RAW or ALL)", [object.get(obj(c.container), "name", "<unnamed>")]),
		"path": sprintf("%s.securityContext.capabilities", [c.path]),
	}
}
