# METADATA
# title: GKE clusters use private nodes
# description: >-
#   Nodes with external IP addresses are directly reachable from the Internet (kubelet, node
#   ports, SSH). With private nodes they only have internal addresses and reach the Internet
#   through Cloud NAT. Set at cluster creation.
# custom:
#   id: PG-GCP-GKE-001
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [SC-7]
#     pci-dss-4.0: ["1.4.1"]
#   remediation: Add private_cluster_config { enable_private_nodes = true, master_ipv4_cidr_block = "<unused /28>" } and Cloud NAT for egress.
#   fixable: false
package policyguard.rules.gcp.gke.private_nodes

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

attrs := input.resource.attributes

fail contains result if {
	count(arr(object.get(obj(attrs), "private_cluster_config", []))) == 0
	result := {
		"msg": sprintf("GKE cluster \"%v\" has no private_cluster_config: nodes get public IP addresses", [input.resource.name]),
		"path": "private_cluster_config",
	}
}

fail contains result if {
	some i, cfg in arr(attrs.private_cluster_config)
	value := object.get(obj(cfg), "enable_private_nodes", false)
	not lib.truthy(value)
	result := {
		"msg": sprintf("GKE cluster \"%v\" nodes have public IP addresses (enable_private_nodes = %v)", [input.resource.name, show(value)]),
		"path": sprintf("private_cluster_config[%d].enable_private_nodes", [i]),
	}
}
