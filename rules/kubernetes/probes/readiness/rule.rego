# METADATA
# title: Long-running containers define a readiness probe
# description: >-
#   Without a readinessProbe, traffic is sent to the container before it is ready and during overload or shutdown. Checked on the containers of long-running workloads and on
#   native sidecars (init containers with restartPolicy Always); Jobs and CronJobs, plain init
#   containers and ephemeral containers are exempt as probes do not apply to them.
# custom:
#   id: PG-K8S-PROBE-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nist-800-53: [SC-5, SI-4]
#   remediation: Add a readinessProbe (httpGet, tcpSocket, grpc or exec) to every serving container.
#   fixable: false
package policyguard.rules.kubernetes.probes.readiness

import rego.v1

import data.policyguard.k8s_pod
import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

probed contains c if {
	some c in k8s_pod.containers
	c.kind == "containers"
}

probed contains c if {
	some c in k8s_pod.containers
	c.kind == "initContainers"
	c.container.restartPolicy == "Always"
}

fail contains result if {
	not input.resource.attributes.kind in {"Job", "CronJob"}
	# bare Pods owned by a Job are not distinguishable; a Pod with restartPolicy Never/OnFailure is batch
	is_object(input.resource.pod_spec)
	object.get(obj(input.resource.pod_spec), "restartPolicy", "Always") == "Always"
	some c in probed
	not lib.has(c.container, "readinessProbe")
	result := {
		"msg": sprintf("container \"%v\" has no readiness probe", [object.get(obj(c.container), "name", "<unnamed>")]),
		"path": sprintf("%s.readinessProbe", [c.path]),
	}
}
