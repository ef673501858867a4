# METADATA
# title: Log buckets lock their retention
# description: >-
#   An unlocked log bucket's retention can be shortened, or the bucket emptied, by anyone
#   holding logging.buckets.update, so an intruder can erase their trail. locked = true makes
#   the retention period irreversible.
# custom:
#   id: PG-GCP-LOGGING-011
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_logging_project_bucket_config, google_logging_folder_bucket_config, google_logging_organization_bucket_config, google_logging_billing_account_bucket_config]
#   frameworks:
#     cis-gcp: ["2.3"]
#     nist-800-53: [AU-9, AU-11]
#     pci-dss-4.0: ["10.5.1"]
#     soc2: [CC7.2]
#   remediation: Set locked = true with a retention_days your policy requires (irreversible).
#   fixable: false
package policyguard.rules.gcp.logging.log_bucket_locked

import rego.v1

import data.policyguard.lib

fail contains result if {
	not lib.truthy(lib.attr("locked"))
	result := {"msg": sprintf("log bucket \"%v\" does not lock its retention (locked = %v)", [input.resource.name, lib.attr("locked")]), "path": "locked"}
}
