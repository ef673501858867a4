# METADATA
# title: GKE node pools keep node auto-upgrade on
# description: >-
#   Without auto-upgrade nodes keep the kubelet, container runtime and OS image they were
#   created with and miss security patches, and drift from the control plane's version. The
#   provider enables it by default; only an explicit false fails.
# custom:
#   id: PG-GCP-GKE-009
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_node_pool, google_container_cluster]
#   frameworks:
#     nist-800-53: [SI-2]
#     soc2: [CC7.1]
#   remediation: Set management { auto_upgrade = true } (or remove the setting).
#   fixable: false
package policyguard.rules.gcp.gke.node_auto_upgrade

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
	lib.has(m.block, "auto_upgrade")
	not lib.truthy(m.block.auto_upgrade)
	result := {
		"msg": sprintf("GKE node pool of \"%v\" turns auto-upgrade off (auto_upgrade = %v)", [input.resource.name, m.block.auto_upgrade]),
		"path": concat(".", [m.path, "auto_upgrade"]),
	}
}
