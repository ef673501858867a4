# METADATA
# title: Roles do not grant creating PersistentVolumes
# description: >-
#   Creating a PersistentVolume can point a hostPath volume at the node's file system; a pod
#   claiming it gets host access even where Pod Security forbids hostPath.
# custom:
#   id: PG-K8S-RBAC-012
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/Role, rbac.authorization.k8s.io/v1/ClusterRole]
#   frameworks:
#     cis-kubernetes: ["5.1.9"]
#     nist-800-53: ["AC-6"]
#   remediation: Let storage provisioners create PersistentVolumes; give users PersistentVolumeClaims.
#   fixable: false
package policyguard.rules.kubernetes.rbac.persistent_volume_create

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

groups := {"", "*"}

target_resources := {"persistentvolumes"}

target_verbs := {"create", "*"}

# Wildcard resources are the wildcard rules' finding (PG-K8S-RBAC-002); this rule reports
# the named grant, including through verbs "*" and apiGroups "*".
in_groups(r) if {
	some g in arr(object.get(obj(r), "apiGroups", []))
	g in groups
}

# a function, not a comprehension in the iterating body (portable to the compiled VM)
granted_verbs(r) := [v | some v in arr(object.get(obj(r), "verbs", [])); v in target_verbs]

fail contains result if {
	attrs := input.resource.attributes
	some i, r in arr(object.get(attrs, "rules", []))
	# the resource first: few rules name these resources, most name an API group that matches
	some j, res in arr(object.get(obj(r), "resources", []))
	res in target_resources
	in_groups(r)
	verbs := granted_verbs(r)
	count(verbs) > 0
	meta := obj(object.get(attrs, "metadata", {}))
	result := {
		"msg": sprintf("%v \"%v\" rule %d allows %s on %v (PersistentVolume creation)", [object.get(attrs, "kind", ""), object.get(meta, "name", "<unnamed>"), i, concat(", ", verbs), res]),
		"path": sprintf("rules[%d].resources[%d]", [i, j]),
	}
}
