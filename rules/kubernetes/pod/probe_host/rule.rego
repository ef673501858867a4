# METADATA
# title: Probes and lifecycle hooks do not set a host
# description: >-
#   An httpGet or tcpSocket probe or lifecycle handler with a host makes the kubelet connect to
#   that address from the node's network: a pod author can aim it at node-local services or other
#   hosts (a blind SSRF from the node). The Pod Security Standards baseline profile allows the
#   host field only unset or empty.
# custom:
#   id: PG-K8S-POD-021
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: ["Host Probes / Lifecycle Hooks"]
#     nist-800-53: ["SC-7"]
#   remediation: Remove the host field; the kubelet then probes the pod's own IP.
#   fixable: false
package policyguard.rules.kubernetes.pod.probe_host

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

probe_keys := ["livenessProbe", "readinessProbe", "startupProbe"]

handler_types := ["httpGet", "tcpSocket"]

# [path suffix, host] for every probe and lifecycle handler of a container that names a host.
# Only the probes and hooks the container has are visited (a workload has a few of the ten).
set_hosts(ctr) := array.concat(
	[[concat(".", [k, t]), host] |
		some k in probe_keys
		probe := ctr[k]
		some t in handler_types
		host := object.get(obj(object.get(obj(probe), t, null)), "host", null)
		not host in {null, ""}
	],
	[[concat(".", ["lifecycle", hook, t]), lh] |
		hooks := obj(object.get(ctr, "lifecycle", {}))
		some hook in ["postStart", "preStop"]
		handler := hooks[hook]
		some t in handler_types
		lh := object.get(obj(object.get(obj(handler), t, null)), "host", null)
		not lh in {null, ""}
	],
)

fail contains result if {
	some c in k8s_pod.containers
	some [p, host] in set_hosts(obj(c.container))
	result := {
		"msg": sprintf("container \"%v\" %s targets host \"%v\"", [object.get(obj(c.container), "name", "<unnamed>"), p, host]),
		"path": sprintf("%s.%s.host", [c.path, p]),
	}
}
