# METADATA
# title: Containers do not bind host ports
# description: >-
#   A hostPort publishes the container port on the node's network interfaces, bypassing Service
#   and NetworkPolicy controls and pinning pods to nodes. The Pod Security Standards baseline
#   profile forbids host ports (0 or unset is allowed).
# custom:
#   id: PG-K8S-POD-007
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [Host Ports]
#     cis-kubernetes: ["5.2.13"]
#     nist-800-53: [SC-7, CM-7]
#   remediation: Remove hostPort and expose the port through a Service.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.host_ports

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some c in k8s_pod.containers
	some i, port in arr(c.container.ports)
	value := port.hostPort
	value != 0
	path := sprintf("%s.ports[%d].hostPort", [c.path, i])
	result := {
		"msg": sprintf("container \"%v\" binds host port %v", [object.get(obj(c.container), "name", "<unnamed>"), value]),
		"path": path,
		"fix": {"description": "Remove the host port binding", "ops": [{"op": "remove", "path": path}]},
	}
}
