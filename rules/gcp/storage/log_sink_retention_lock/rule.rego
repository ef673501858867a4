# METADATA
# title: Buckets that receive log sinks lock a retention policy
# description: >-
#   A Cloud Storage bucket that a log sink writes to keeps the exported audit trail; without a
#   locked retention policy objects can be deleted (or the policy removed) by anyone with
#   storage admin rights. Buckets that no sink of the scan writes to are not judged.
# custom:
#   id: PG-GCP-STORAGE-006
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_storage_bucket]
#   frameworks:
#     cis-gcp: ["2.3"]
#     nist-800-53: [AU-9, AU-11]
#     pci-dss-4.0: ["10.5.1"]
#     soc2: [CC7.2]
#   remediation: Add retention_policy { retention_period = <seconds>, is_locked = true } (locking is irreversible).
#   fixable: false
package policyguard.rules.gcp.storage.log_sink_retention_lock

import rego.v1

import data.policyguard.lib

sink_types := {"google_logging_project_sink", "google_logging_folder_sink", "google_logging_organization_sink", "google_logging_billing_account_sink"}

# a sink's destination names this bucket (by reference or by literal name)
sink_destination if {
	some ref in lib.arr(input.resource.referenced_by)
	input.resources[ref.source].type in sink_types
	ref.path == "destination"
}

sink_destination if {
	n := lib.attr("name")
	is_string(n)
	dest := concat("", ["storage.googleapis.com/", n])
	some r in input.resources
	r.type in sink_types
	object.get(lib.obj(r.attributes), "destination", null) == dest
}

rp := lib.obj(lib.first(lib.attr("retention_policy")))

fail contains result if {
	sink_destination
	not lib.truthy(object.get(rp, "is_locked", false))
	result := {"msg": sprintf("bucket \"%v\" receives exported logs but has no locked retention policy", [input.resource.name]), "path": path}
}

path := "retention_policy[0].is_locked" if {
	lib.has(rp, "is_locked")
} else := "retention_policy"
