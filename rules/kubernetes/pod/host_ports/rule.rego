# METADATA
# title: Containers do not bind host ports
# description: >-
#   A hostPort publishes the container port on the node's network interfaces, bypassing Service
#   and NetworkPolicy controls and pinning pods to nodes. The Pod Security Standards baseline
#   profile forbids host ports (0 or unset is allowed).
# custom:
#   id: PG-K8S-POD-007
#   severity: medium
#   resource_types:
#     kubernetes: [v1/Pod, v1/ReplicationController, apps/v1/Deployment, apps/v1/StatefulSet, apps/v1/DaemonSet, apps/v1/ReplicaSet, batch/v1/Job, batch/v1/CronJob]
#   frameworks:
#     pss-baseline: [Host Ports]
#     cis-kubernetes: ["5.2.13"]
#     nist-800-53: [SC-7, CM-7]
#   remediation: Remove hostPort and expose the port through a Service.
#   fixable: true
package policyguard.rules.kubernetes.pod.host_ports

import rego.v1

import data.policyguard.lib

fail contains result if {
	some c in lib.containers(input.resource.pod_spec)
	some i, port in c.container.ports
	value := port.hostPort
	value != 0
	path := sprintf("%s.ports[%d].hostPort", [c.path, i])
	result := {
		"msg": sprintf("container %q binds host port %v", [object.get(c.container, "name", "<unnamed>"), value]),
		"path": path,
		"fix": {"description": "Remove the host port binding", "ops": [{"op": "remove", "path": path}]},
	}
}
