# METADATA
# title: GKE clusters enable intranode visibility
# description: >-
#   Without intranode visibility, pod-to-pod traffic on the same node never reaches the VPC, so
#   VPC flow logs and firewall rules do not see it. Autopilot clusters manage the setting
#   themselves and are not judged.
# custom:
#   id: PG-GCP-GKE-014
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [AU-12, SI-4]
#   remediation: Set enable_intranode_visibility = true.
#   fixable: false
package policyguard.rules.gcp.gke.intranode_visibility

import rego.v1

import data.policyguard.lib

fail contains result if {
	not lib.truthy(lib.attr("enable_autopilot"))
	not lib.is_unknown(lib.attr("enable_autopilot"))
	not lib.truthy(lib.attr("enable_intranode_visibility"))
	result := {
		"msg": sprintf("GKE cluster \"%v\" does not enable intranode visibility (enable_intranode_visibility = %v)", [input.resource.name, lib.attr("enable_intranode_visibility")]),
		"path": "enable_intranode_visibility",
	}
}

# whether the cluster is Autopilot (which manages the setting) is not known
unknown contains result if {
	lib.is_unknown(lib.attr("enable_autopilot"))
	not lib.truthy(lib.attr("enable_intranode_visibility"))
	result := {
		"msg": sprintf("GKE cluster \"%v\" does not enable intranode visibility, and whether it is an Autopilot cluster is not known", [input.resource.name]),
		"path": "enable_autopilot",
		"expr": lib.unknown_expr(lib.attr("enable_autopilot")),
	}
}
