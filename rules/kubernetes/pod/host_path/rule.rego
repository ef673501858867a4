# METADATA
# title: Pods do not mount hostPath volumes
# description: >-
#   A hostPath volume exposes the node's file system to the pod (container runtime sockets,
#   kubelet credentials, /etc). Forbidden by the Pod Security Standards baseline profile; use a
#   PersistentVolumeClaim, emptyDir, configMap or secret instead.
# custom:
#   id: PG-K8S-POD-006
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     pss-baseline: [HostPath Volumes]
#     cis-kubernetes: ["5.2.12"]
#     nist-800-53: [AC-6, SC-39]
#   remediation: Replace the hostPath volume with a PersistentVolumeClaim, emptyDir, configMap, secret or CSI volume.
#   fixable: false
package policyguard.rules.kubernetes.pod.host_path

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
	some h in k8s_pod.host_path_volumes
	volume := h.volume
	i := h.i
	result := {
		"msg": sprintf("volume \"%v\" mounts host path %v from the node", [volume.name, object.get(obj(volume.hostPath), "path", "?")]),
		"path": sprintf("pod_spec.volumes[%d].hostPath", [i]),
	}
}
