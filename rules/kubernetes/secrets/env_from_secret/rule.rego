# METADATA
# title: Secrets are mounted as files, not environment variables
# description: >-
#   Environment variables leak: they are inherited by every child process, dumped in crash reports
#   and debug endpoints, visible in /proc/<pid>/environ and often logged. Secret volumes are files
#   with permissions, updated on rotation.
# custom:
#   id: PG-K8S-SECRET-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     cis-kubernetes: ["5.4.1"]
#     nist-800-53: ["SC-28"]
#   remediation: Mount the secret as a volume and read the file.
#   fixable: false
package policyguard.rules.kubernetes.secrets.env_from_secret

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some c in k8s_pod.containers
	env := c.container.env
	is_array(env)
	some i, e in env
	ref := e.valueFrom.secretKeyRef
	is_object(ref)
	result := {
		"msg": sprintf("container \"%v\" reads secret \"%v\" into environment variable %v", [object.get(obj(c.container), "name", "<unnamed>"), object.get(ref, "name", ""), object.get(obj(e), "name", "")]),
		"path": sprintf("%s.env[%d].valueFrom.secretKeyRef", [c.path, i]),
	}
}

fail contains result if {
	some c in k8s_pod.containers
	env_from := c.container.envFrom
	is_array(env_from)
	some i, e in env_from
	ref := e.secretRef
	is_object(ref)
	result := {
		"msg": sprintf("container \"%v\" loads secret \"%v\" into its environment", [object.get(obj(c.container), "name", "<unnamed>"), object.get(ref, "name", "")]),
		"path": sprintf("%s.envFrom[%d].secretRef", [c.path, i]),
	}
}
