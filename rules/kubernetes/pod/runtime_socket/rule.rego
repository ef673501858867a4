# METADATA
# title: Pods do not mount the container runtime socket
# description: >-
#   The Docker, containerd or CRI-O socket (or the /run directory holding it) lets a container
#   start privileged containers on the node: full node control. Separate from the general hostPath
#   rule because no workload needs this outside node agents.
# custom:
#   id: PG-K8S-POD-043
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     cis-kubernetes: ["5.2.12"]
#     nist-800-53: ["AC-6"]
#   remediation: Remove the volume; build images with a daemonless builder (kaniko, buildah) instead.
#   fixable: false
package policyguard.rules.kubernetes.pod.runtime_socket

import rego.v1

import data.policyguard.k8s_pod

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# a function, not a rule: built only for the rare workload that mounts a host path
socket_path(p) if p in {"/var/run/docker.sock", "/run/docker.sock", "/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock", "/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock", "/var/run", "/run", "/var/run/containerd", "/run/containerd", "/var/run/crio", "/run/crio"}

clean(p) := trim_right(p, "/") if p != "/"

clean("/") := "/"

fail contains result if {
	some h in k8s_pod.host_path_volumes
	v := h.volume
	i := h.i
	hp := object.get(obj(v), "hostPath", null)
	p := object.get(obj(hp), "path", null)
	is_string(p)
	socket_path(clean(p))
	result := {
		"msg": sprintf("volume \"%v\" mounts %v from the node (container runtime socket)", [object.get(obj(v), "name", "<unnamed>"), p]),
		"path": sprintf("pod_spec.volumes[%d].hostPath.path", [i]),
	}
}
