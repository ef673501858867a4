# METADATA
# title: Pods do not mount sensitive node directories
# description: >-
#   Mounting the node's root, /etc, /proc, /sys, /dev, kubelet or runtime state, etcd data, logs
#   or system binaries exposes node credentials (kubelet client certificates, service account
#   tokens of every pod) or lets the container change the node.
# custom:
#   id: PG-K8S-POD-044
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     cis-kubernetes: ["5.2.12"]
#     nist-800-53: ["AC-6"]
#   remediation: Remove the hostPath volume, or mount a narrow, dedicated directory read-only.
#   fixable: false
package policyguard.rules.kubernetes.pod.sensitive_host_path

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# a function, not a rule: built only for the rare workload that mounts a host path
sensitive_path(p) if p in {"/", "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/home", "/var/lib/kubelet", "/var/lib/docker", "/var/lib/containerd", "/etc/kubernetes", "/var/lib/etcd", "/var/log", "/usr", "/lib", "/bin", "/sbin"}

clean(p) := trim_right(p, "/") if p != "/"

clean("/") := "/"

fail contains result if {
	some h in k8s_pod.host_path_volumes
	v := h.volume
	i := h.i
	hp := object.get(obj(v), "hostPath", null)
	p := object.get(obj(hp), "path", null)
	is_string(p)
	sensitive_path(clean(p))
	result := {
		"msg": sprintf("volume \"%v\" mounts %v from the node (sensitive node directory)", [object.get(obj(v), "name", "<unnamed>"), p]),
		"path": sprintf("pod_spec.volumes[%d].hostPath.path", [i]),
	}
}
