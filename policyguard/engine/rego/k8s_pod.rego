# METADATA
# title: policyguard Kubernetes pod helpers
# description: >-
#   Per-resource tables of the pod rules (containers, added capabilities, security contexts),
#   computed once per workload for every rule of its group. A package of its own, not part of
#   data.policyguard.lib: regorus evaluates every rule of a package another package refers to,
#   once per resource, so these tables cost only the resources whose rules read them, and the
#   rest of lib is not evaluated for every workload.
package policyguard.k8s_pod

import rego.v1

import data.policyguard.lib

# containers: lib.containers(input.resource.pod_spec) ({"container", "kind", "path"} for every
# container, init and ephemeral container), the same value as lib.pod_containers
containers := lib.containers(input.resource.pod_spec)

# added_caps: every entry of a container's securityContext.capabilities.add, as
# {"c": the containers entry, "i": index in the add list, "cap": the value as written}. Most
# workloads add none, so the capability rules iterate an empty list.
added_caps := [a |
	some c in containers
	add := c.container.securityContext.capabilities.add
	is_array(add)
	some i, cap in add
	a := {"c": c, "i": i, "cap": cap}
]

# security_contexts: the pod's securityContext and each container's, where it is an object, as
# {"path": its result path, "c": the containers entry (null for the pod's), "ctx": the object}
security_contexts := array.concat(_pod_context, [s |
	some c in containers
	ctx := c.container.securityContext
	is_object(ctx)
	s := {"path": concat("", [c.path, ".securityContext"]), "c": c, "ctx": ctx}
])

_pod_context := [s |
	ctx := input.resource.pod_spec.securityContext
	is_object(ctx)
	s := {"path": "pod_spec.securityContext", "c": null, "ctx": ctx}
]

# who(s): how a message names the owner of a security_contexts entry
who(s) := "the pod" if s.c == null

who(s) := sprintf("container \"%v\"", [object.get(lib.obj(s.c.container), "name", "<unnamed>")]) if s.c != null

# host_path_volumes: the pod's volumes that hold a hostPath key, as {"i": index in volumes,
# "volume": the volume}; most workloads mount none, so the host path rules iterate nothing
host_path_volumes := [h |
	volumes := input.resource.pod_spec.volumes
	is_array(volumes)
	some i, v in volumes
	is_object(v)
	_ = v.hostPath
	h := {"i": i, "volume": v}
]
