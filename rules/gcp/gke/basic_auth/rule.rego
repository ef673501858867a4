# METADATA
# title: GKE clusters do not enable basic authentication
# description: >-
#   A static username and password on the master (master_auth.username/password) never expires,
#   is not tied to an identity and cannot be audited per user; GKE removed it in 1.19 but old
#   configurations still set it.
# custom:
#   id: PG-GCP-GKE-007
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [IA-2, IA-5]
#     soc2: [CC6.1]
#   remediation: Remove username and password from master_auth and authenticate with Google identities (gcloud / Workload Identity).
#   fixable: false
package policyguard.rules.gcp.gke.basic_auth

import rego.v1

import data.policyguard.lib

fail contains result if {
	some i, ma in lib.arr(lib.attr("master_auth"))
	some field in ["username", "password"]
	v := object.get(lib.obj(ma), field, null)
	set_value(v)
	result := {
		"msg": sprintf("GKE cluster \"%v\" sets a static master_auth %s (basic authentication)", [input.resource.name, field]),
		"path": sprintf("master_auth[%d].%s", [i, field]),
	}
}

# a non-empty literal, or an unresolved value (the path makes the verdict unknown)
set_value(v) if {
	is_string(v)
	trim_space(v) != ""
}

set_value(v) if lib.is_unknown(v)
