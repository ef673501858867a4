# METADATA
# title: Cloud KMS symmetric keys rotate at least every 90 days
# description: >-
#   A key without rotation_period keeps encrypting with the same key version forever, so more
#   data depends on one version and a compromised version stays useful. Automatic rotation
#   applies to symmetric ENCRYPT_DECRYPT keys (the default purpose); others are not judged.
# custom:
#   id: PG-GCP-KMS-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_kms_crypto_key]
#   frameworks:
#     cis-gcp: ["1.10"]
#     nist-800-53: [SC-12]
#     pci-dss-4.0: ["3.7.4"]
#     soc2: [CC6.1]
#   remediation: Set rotation_period = "7776000s" (90 days) or shorter.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.gcp.kms.rotation

import rego.v1

import data.policyguard.lib

max_seconds := 7776000

# rotation adds key versions; data encrypted with older versions stays decryptable
rotate := {"description": "Rotate the key every 90 days", "ops": [{"op": "set", "path": "rotation_period", "value": "7776000s"}]}

symmetric if object.get(lib.obj(input.resource.attributes), "purpose", null) == null

symmetric if upper(lib.str(lib.attr("purpose"))) == "ENCRYPT_DECRYPT"

period := lib.attr("rotation_period")

seconds(p) := to_number(trim_suffix(trim_space(p), "s")) if regex.match(`^\s*[0-9]+(\.[0-9]+)?s\s*$`, lib.str(p))

fail contains result if {
	symmetric
	period == null
	result := {"msg": sprintf("KMS key \"%v\" is never rotated (no rotation_period)", [input.resource.name]), "path": "rotation_period", "fix": rotate}
}

fail contains result if {
	symmetric
	seconds(period) > max_seconds
	result := {"msg": sprintf("KMS key \"%v\" rotates every %v (%d days), more than 90 days", [input.resource.name, period, round(seconds(period) / 86400)]), "path": "rotation_period", "fix": rotate}
}

fail contains result if {
	symmetric
	is_string(period)
	not seconds(period)
	result := {"msg": sprintf("KMS key \"%v\" has a rotation_period that is not a duration in seconds: %v", [input.resource.name, period]), "path": "rotation_period"}
}

fail contains result if {
	symmetric
	lib.is_unknown(period)
	result := {"msg": sprintf("KMS key \"%v\" rotation period is not known", [input.resource.name]), "path": "rotation_period"}
}
