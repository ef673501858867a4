# METADATA
# title: Storage buckets keep object versions
# description: >-
#   Without versioning an overwrite or delete (a mistake, a compromised credential, ransomware)
#   destroys the only copy of an object. Off by default.
# custom:
#   id: PG-GCP-STORAGE-004
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_storage_bucket]
#   frameworks:
#     nist-800-53: [CP-9, SI-12]
#     soc2: [A1.2]
#   remediation: Add versioning { enabled = true } and a lifecycle rule for noncurrent versions.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.gcp.storage.versioning

import rego.v1

import data.policyguard.lib

fail contains result if {
	not lib.truthy(object.get(lib.obj(lib.first(lib.attr("versioning"))), "enabled", false))
	result := {
		"msg": sprintf("bucket \"%v\" does not keep object versions", [input.resource.name]),
		"path": path,
		"fix": {"description": "Keep object versions", "ops": [{"op": "set", "path": "versioning", "value": [{"enabled": true}]}]},
	}
}

path := "versioning[0].enabled" if {
	lib.has(lib.obj(lib.first(lib.attr("versioning"))), "enabled")
} else := "versioning"
