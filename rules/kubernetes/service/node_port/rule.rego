# METADATA
# title: Services are not exposed through NodePort
# description: >-
#   A NodePort Service opens the port on every node's addresses, bypassing ingress controllers
#   and load balancer access controls; node firewalls are rarely scoped to it. Use ClusterIP
#   behind an Ingress or Gateway, or a LoadBalancer restricted to known source ranges.
# custom:
#   id: PG-K8S-SVC-001
#   severity: medium
#   resource_types:
#     kubernetes: [v1/Service]
#   frameworks:
#     nist-800-53: [SC-7, CM-7]
#   remediation: Change spec.type to ClusterIP and expose the Service through an Ingress or Gateway.
#   fixable: true
package policyguard.rules.kubernetes.service.node_port

import rego.v1

fail contains result if {
	input.resource.attributes.spec.type == "NodePort"
	ports := [sprintf("%v", [object.get(p, "nodePort", p.port)]) | some p in object.get(input.resource.attributes.spec, "ports", [])]
	result := {
		"msg": sprintf("Service %q is of type NodePort: ports %s are open on every node", [input.resource.attributes.metadata.name, concat(", ", ports)]),
		"path": "spec.type",
		"fix": {
			"description": "Make the Service cluster-internal (ClusterIP)",
			"ops": array.concat(
				[{"op": "set", "path": "spec.type", "value": "ClusterIP"}],
				[{"op": "remove", "path": sprintf("spec.ports[%d].nodePort", [i])} |
					some i, p in object.get(input.resource.attributes.spec, "ports", [])
					p.nodePort
				],
			),
		},
	}
}
