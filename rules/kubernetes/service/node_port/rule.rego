# METADATA
# title: Services are not exposed through NodePort
# description: >-
#   A NodePort Service opens the port on every node's addresses, bypassing ingress controllers
#   and load balancer access controls; node firewalls are rarely scoped to it. Use ClusterIP
#   behind an Ingress or Gateway, or a LoadBalancer restricted to known source ranges.
# custom:
#   id: PG-K8S-SVC-001
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [v1/Service]
#   frameworks:
#     nist-800-53: [SC-7, CM-7]
#   remediation: Change spec.type to ClusterIP and expose the Service through an Ingress or Gateway.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.service.node_port

import rego.v1

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	input.resource.attributes.spec.type == "NodePort"
	ports := [sprintf("%v", [object.get(obj(p), "nodePort", p.port)]) | some p in arr(object.get(obj(input.resource.attributes.spec), "ports", []))]
	result := {
		"msg": sprintf("Service \"%v\" is of type NodePort: ports %s are open on every node", [input.resource.attributes.metadata.name, concat(", ", ports)]),
		"path": "spec.type",
		"fix": {
			"description": "Make the Service cluster-internal (ClusterIP)",
			"ops": array.concat(
				[{"op": "set", "path": "spec.type", "value": "ClusterIP"}],
				[{"op": "remove", "path": sprintf("spec.ports[%d].nodePort", [i])} |
					some i, p in arr(object.get(obj(input.resource.attributes.spec), "ports", []))
					p.nodePort
				],
			),
		},
	}
}
