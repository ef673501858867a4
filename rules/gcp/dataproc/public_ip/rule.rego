# METADATA
# title: Dataproc clusters use internal IP addresses only
# description: >-
#   Dataproc nodes with external addresses are reachable from the Internet on every port the
#   firewall opens (web UIs, YARN, SSH), and YARN's REST API has been mass-exploited for
#   cryptomining. internal_ip_only = true removes the external addresses (the default only from
#   image 2.2 on, so an older or unset image version without it fails).
# custom:
#   id: PG-GCP-DATAPROC-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_dataproc_cluster]
#   frameworks:
#     nist-800-53: [SC-7]
#     soc2: [CC6.6]
#   remediation: Set cluster_config.gce_cluster_config.internal_ip_only = true (with Private Google Access on the subnet).
#   fixable: false
package policyguard.rules.gcp.dataproc.public_ip

import rego.v1

import data.policyguard.lib

cc := lib.obj(lib.first(lib.attr("cluster_config")))

gce := lib.obj(lib.first(object.get(cc, "gce_cluster_config", null)))

image := lib.str(object.get(lib.obj(lib.first(object.get(cc, "software_config", null))), "image_version", ""))

# images 2.2 and later default internal_ip_only to true
new_image if regex.match(`^(2\.[2-9]|[3-9]\.)`, image)

fail contains result if {
	lib.has(gce, "internal_ip_only")
	not lib.truthy(gce.internal_ip_only)
	gce.internal_ip_only != null
	result := {"msg": sprintf("Dataproc cluster \"%v\" gives its nodes external IP addresses (internal_ip_only = %v)", [input.resource.name, gce.internal_ip_only]), "path": "cluster_config[0].gce_cluster_config[0].internal_ip_only"}
}

fail contains result if {
	object.get(gce, "internal_ip_only", null) == null
	not new_image
	result := {"msg": sprintf("Dataproc cluster \"%v\" does not set internal_ip_only and its image (%v) defaults to external IP addresses", [input.resource.name, image_text]), "path": "cluster_config[0].gce_cluster_config"}
}

image_text := image if {
	image != ""
} else := "default"
