# METADATA
# title: Instances do not run as the default service account with full API access
# description: >-
#   The Compute Engine default service account holds the project Editor role unless that grant
#   was removed; with the cloud-platform scope nothing limits what its token can do, so any
#   process on the instance (or an SSRF to the metadata server) can change most of the project.
#   A service_account block without email selects the default account.
# custom:
#   id: PG-GCP-COMPUTE-006
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template]
#   frameworks:
#     cis-gcp: ["4.2"]
#     nist-800-53: [AC-6]
#     soc2: [CC6.3]
#   remediation: Use a dedicated service account (service_account { email = google_service_account.x.email, scopes = ["cloud-platform"] }) with least-privilege roles.
#   fixable: false
package policyguard.rules.gcp.compute.default_sa_full_scopes

import rego.v1

import data.policyguard.lib

full_scopes := {"cloud-platform", "https://www.googleapis.com/auth/cloud-platform"}

default_account(sa) if endswith(lib.str(object.get(sa, "email", null)), "-compute@developer.gserviceaccount.com")

default_account(sa) if trim_space(lib.str(object.get(sa, "email", ""))) == ""

fail contains result if {
	some i, block in lib.arr(lib.attr("service_account"))
	sa := lib.obj(block)
	some scope in lib.arr(object.get(sa, "scopes", []))
	lower(lib.str(scope)) in full_scopes
	default_account(sa)
	not lib.is_unknown(object.get(sa, "email", null))
	result := {
		"msg": sprintf("%s \"%v\" runs as the Compute Engine default service account with full access to all Cloud APIs", [input.resource.type, input.resource.name]),
		"path": sprintf("service_account[%d].email", [i]),
	}
}
