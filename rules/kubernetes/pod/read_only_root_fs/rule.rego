# METADATA
# title: Containers use a read-only root file system
# description: >-
#   A writable root file system lets an attacker drop tools or modify binaries inside the
#   container. Mount emptyDir volumes for the paths the application must write to and set
#   readOnlyRootFilesystem to true. Windows pods (spec.os.name windows) are exempt: the field is
#   not supported there.
# custom:
#   id: PG-K8S-POD-020
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Immutable container file systems"]
#     nist-800-53: [CM-5, SI-7]
#   remediation: Set securityContext.readOnlyRootFilesystem to true and mount emptyDir volumes for writable paths.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.pod.read_only_root_fs

import rego.v1

import data.policyguard.k8s_pod

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

windows if input.resource.pod_spec.os.name == "windows"

fail contains result if {
	not windows
	some c in k8s_pod.containers
	value := object.get(obj(c.container), ["securityContext", "readOnlyRootFilesystem"], "unset")
	value != true
	path := sprintf("%s.securityContext.readOnlyRootFilesystem", [c.path])
	result := {
		"msg": sprintf("container \"%v\" has a writable root file system (readOnlyRootFilesystem: %v)", [object.get(obj(c.container), "name", "<unnamed>"), value]),
		"path": path,
		"fix": {"description": "Make the root file system read-only", "ops": [{"op": "set", "path": path, "value": true}]},
	}
}
