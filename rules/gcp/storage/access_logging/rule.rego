# METADATA
# title: Storage buckets write usage logs
# description: >-
#   Usage logs record every request to the bucket (who, which object, from where); Cloud Audit
#   Logs do not record data reads unless Data Access logs are enabled. A bucket that receives
#   other buckets' usage logs is not judged.
# custom:
#   id: PG-GCP-STORAGE-005
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_storage_bucket]
#   frameworks:
#     nist-800-53: [AU-2, AU-12]
#     soc2: [CC7.2]
#   remediation: Add logging { log_bucket = google_storage_bucket.logs.name }.
#   fixable: false
package policyguard.rules.gcp.storage.access_logging

import rego.v1

import data.policyguard.lib

# buckets that other buckets log into
log_destination if {
	some ref in lib.arr(input.resource.referenced_by)
	startswith(lib.str(ref.path), "logging[")
}

log_destination if {
	n := lib.attr("name")
	is_string(n)
	some r in input.resources
	r.type == "google_storage_bucket"
	some l in lib.arr(object.get(lib.obj(r.attributes), "logging", []))
	object.get(lib.obj(l), "log_bucket", null) == n
}

fail contains result if {
	not log_destination
	lb := object.get(lib.obj(lib.first(lib.attr("logging"))), "log_bucket", null)
	trim_space(lib.str(lb)) == ""
	not lib.is_unknown(lb)
	result := {"msg": sprintf("bucket \"%v\" writes no usage logs", [input.resource.name]), "path": "logging"}
}
