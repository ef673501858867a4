# METADATA
# title: Service accounts have no user-managed keys
# description: >-
#   A google_service_account_key is a long-lived credential (valid until deleted, 10-year expiry
#   by default) whose private key ends up in Terraform state, files and CI variables, where it
#   leaks. Use attached service accounts, Workload Identity (Federation) or short-lived tokens.
#   The finding is on the service account when it is defined in the scan, otherwise on the key.
# custom:
#   id: PG-GCP-IAM-004
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_service_account, google_service_account_key]
#   frameworks:
#     cis-gcp: ["1.4"]
#     nist-800-53: [IA-5]
#     soc2: [CC6.1]
#   remediation: Remove the key; use Workload Identity Federation (CI), Workload Identity (GKE) or the attached service account (GCE, Cloud Run).
#   fixable: false
package policyguard.rules.gcp.iam.service_account_keys

import rego.v1

import data.policyguard.lib

# keys of this service account (they point at it through service_account_id)
fail contains result if {
	input.resource.type == "google_service_account"
	some ref in lib.arr(input.resource.referenced_by)
	input.resources[ref.source].type == "google_service_account_key"
	result := {
		"msg": sprintf("service account \"%v\" has a user-managed key (%v)", [input.resource.name, ref.source]),
		"path": "",
	}
}

# a key of a service account defined elsewhere
fail contains result if {
	input.resource.type == "google_service_account_key"
	not key_of_scanned_account
	result := {
		"msg": sprintf("service account key \"%v\" is a user-managed, long-lived credential", [input.resource.name]),
		"path": "",
	}
}

key_of_scanned_account if {
	some ref in lib.arr(input.resource.references)
	input.resources[ref.target].type == "google_service_account"
}
