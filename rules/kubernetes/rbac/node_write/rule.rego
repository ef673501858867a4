# METADATA
# title: Roles do not grant modifying Nodes
# description: >-
#   Changing Node objects (labels, taints) steers sensitive pods onto a node an attacker controls;
#   deleting them evicts workloads.
# custom:
#   id: PG-K8S-RBAC-019
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [rbac.authorization.k8s.io/v1/Role, rbac.authorization.k8s.io/v1/ClusterRole]
#   frameworks:
#     nsa-k8s: ["RBAC"]
#     nist-800-53: ["AC-6"]
#   remediation: Leave node writes to the kubelet and node lifecycle controllers.
#   fixable: false
package policyguard.rules.kubernetes.rbac.node_write

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

groups := {"", "*"}

target_resources := {"nodes", "nodes/status"}

target_verbs := {"update", "patch", "delete", "create", "*"}

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
		"msg": sprintf("%v \"%v\" rule %d allows %s on %v (node modification)", [object.get(attrs, "kind", ""), object.get(meta, "name", "<unnamed>"), i, concat(", ", verbs), res]),
		"path": sprintf("rules[%d].resources[%d]", [i, j]),
	}
}
