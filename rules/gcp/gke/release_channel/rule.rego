# METADATA
# title: GKE clusters are enrolled in a release channel
# description: >-
#   A cluster on a release channel receives control plane and node versions, security patches
#   included, on Google's schedule; UNSPECIFIED opts out and leaves upgrades to whoever
#   remembers. New clusters without release_channel are enrolled in the Regular channel, so only
#   an explicit UNSPECIFIED fails.
# custom:
#   id: PG-GCP-GKE-015
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [SI-2]
#   remediation: Set release_channel { channel = "REGULAR" } (or STABLE / RAPID).
#   fixable: false
package policyguard.rules.gcp.gke.release_channel

import rego.v1

import data.policyguard.lib

fail contains result if {
	some i, rc in lib.arr(lib.attr("release_channel"))
	ch := object.get(lib.obj(rc), "channel", null)
	is_string(ch)
	upper(trim_space(ch)) in {"UNSPECIFIED", ""}
	result := {
		"msg": sprintf("GKE cluster \"%v\" is not on a release channel (channel = %v)", [input.resource.name, ch]),
		"path": sprintf("release_channel[%d].channel", [i]),
	}
}
