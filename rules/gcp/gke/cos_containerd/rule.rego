# METADATA
# title: GKE nodes run Container-Optimized OS with containerd
# description: >-
#   COS_CONTAINERD (the default image) has a minimal, read-only, verified root file system and
#   is patched by Google; Ubuntu images carry a full distribution to patch, and the Docker-based
#   COS image is no longer supported. Windows images are not judged.
# custom:
#   id: PG-GCP-GKE-011
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_container_node_pool, google_container_cluster]
#   frameworks:
#     nist-800-53: [CM-7, SI-2]
#   remediation: Set node_config { image_type = "COS_CONTAINERD" } (or remove image_type).
#   fixable: false
package policyguard.rules.gcp.gke.cos_containerd

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
	v := object.get(c.block, "image_type", null)
	is_string(v)
	t := upper(trim_space(v))
	t != "COS_CONTAINERD"
	not startswith(t, "WINDOWS")
	result := {
		"msg": sprintf("GKE nodes of \"%v\" use image type %v instead of COS_CONTAINERD", [input.resource.name, v]),
		"path": concat(".", [c.path, "image_type"]),
	}
}
