# METADATA
# title: GKE node pools keep node auto-repair on
# description: >-
#   Auto-repair recreates nodes that fail health checks; without it a broken or compromised node
#   keeps running workloads until someone notices. The provider enables it by default; only an
#   explicit false fails.
# custom:
#   id: PG-GCP-GKE-010
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_node_pool, google_container_cluster]
#   frameworks:
#     nist-800-53: [SI-2, CP-10]
#     soc2: [CC7.1]
#   remediation: Set management { auto_repair = true } (or remove the setting).
#   fixable: false
package policyguard.rules.gcp.gke.node_auto_repair

import rego.v1

import data.policyguard.lib

# every node pool management block: google_container_node_pool.management and the cluster's
# inline node_pool blocks, with the path of the block
managements contains m if {
	input.resource.type == "google_container_node_pool"
	some i, b in lib.arr(lib.attr("management"))
	m := {"block": lib.obj(b), "path": sprintf("management[%d]", [i])}
}

managements contains m if {
	input.resource.type == "google_container_cluster"
	some i, p in lib.arr(lib.attr("node_pool"))
	some j, b in lib.arr(object.get(lib.obj(p), "management", []))
	m := {"block": lib.obj(b), "path": sprintf("node_pool[%d].management[%d]", [i, j])}
}

fail contains result if {
	some m in managements
	lib.has(m.block, "auto_repair")
	not lib.truthy(m.block.auto_repair)
	result := {
		"msg": sprintf("GKE node pool of \"%v\" turns auto-repair off (auto_repair = %v)", [input.resource.name, m.block.auto_repair]),
		"path": concat(".", [m.path, "auto_repair"]),
	}
}
