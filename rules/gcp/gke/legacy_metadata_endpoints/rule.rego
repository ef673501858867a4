# METADATA
# title: GKE nodes keep the legacy metadata endpoints disabled
# description: >-
#   The legacy v0.1 and v1beta1 metadata endpoints answer without the Metadata-Flavor header, so
#   a server-side request forgery in any pod can read the node's service account token and kube-
#   env. GKE disables them by default since 1.12; metadata disable-legacy-endpoints = false
#   turns them back on.
# custom:
#   id: PG-GCP-GKE-012
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_node_pool, google_container_cluster]
#   frameworks:
#     nist-800-53: [AC-3, SC-7]
#     soc2: [CC6.1]
#   remediation: Remove disable-legacy-endpoints from node_config.metadata or set it to "true".
#   fixable: false
package policyguard.rules.gcp.gke.legacy_metadata_endpoints

import rego.v1

import data.policyguard.lib

# every node_config of the resource: the cluster's default pool and inline node_pool blocks,
# or a google_container_node_pool's own
node_configs contains c if {
	some i, b in lib.arr(lib.attr("node_config"))
	c := {"block": lib.obj(b), "path": sprintf("node_config[%d]", [i])}
}

node_configs contains c if {
	input.resource.type == "google_container_cluster"
	some i, p in lib.arr(lib.attr("node_pool"))
	some j, b in lib.arr(object.get(lib.obj(p), "node_config", []))
	c := {"block": lib.obj(b), "path": sprintf("node_pool[%d].node_config[%d]", [i, j])}
}

fail contains result if {
	some c in node_configs
	md := lib.obj(object.get(c.block, "metadata", {}))
	lib.has(md, "disable-legacy-endpoints")
	not lib.truthy(md["disable-legacy-endpoints"])
	result := {
		"msg": sprintf("GKE nodes of \"%v\" serve the legacy metadata endpoints (disable-legacy-endpoints = %v)", [input.resource.name, md["disable-legacy-endpoints"]]),
		"path": sprintf("%s.metadata[\"disable-legacy-endpoints\"]", [c.path]),
	}
}
