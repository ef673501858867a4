# METADATA
# title: Compute disks are encrypted with a customer-managed or customer-supplied key
# description: >-
#   Disks are always encrypted, but with Google-managed keys access cannot be revoked or audited
#   separately from the disk; a Cloud KMS key (CMEK) or a customer-supplied key (CSEK) puts the
#   key under your control. Judges disks, instance boot disks and template disks.
# custom:
#   id: PG-GCP-COMPUTE-010
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_compute_disk, google_compute_region_disk, google_compute_instance, google_compute_instance_template, google_compute_region_instance_template]
#   frameworks:
#     cis-gcp: ["4.7"]
#     nist-800-53: [SC-12, SC-28]
#     soc2: [CC6.1]
#   remediation: >-
#     Set disk_encryption_key { kms_key_self_link = google_kms_crypto_key.x.id } (boot_disk:
#     kms_key_self_link) or a customer-supplied key.
#   fixable: false
package policyguard.rules.gcp.compute.disk_customer_key

import rego.v1

import data.policyguard.lib

key_fields := ["kms_key_self_link", "raw_key", "rsa_encrypted_key", "kms_key_name", "disk_encryption_key_raw", "disk_encryption_key_rsa"]

keyed(block) if names_key(block)

names_key(block) if {
	some f in key_fields
	v := object.get(block, f, null)
	v != null
	v != ""
}

# a disk_encryption_key block naming a key
keyed(block) if {
	some dek in lib.arr(object.get(block, "disk_encryption_key", []))
	names_key(lib.obj(dek))
}

fail contains result if {
	input.resource.type in {"google_compute_disk", "google_compute_region_disk"}
	not keyed(lib.obj(input.resource.attributes))
	result := {"msg": sprintf("disk \"%v\" uses a Google-managed key", [input.resource.name]), "path": "disk_encryption_key"}
}

fail contains result if {
	input.resource.type == "google_compute_instance"
	some i, bd in lib.arr(lib.attr("boot_disk"))
	not keyed(lib.obj(bd))
	not lib.has(lib.obj(bd), "source")
	result := {"msg": sprintf("instance \"%v\" boot disk uses a Google-managed key", [input.resource.name]), "path": sprintf("boot_disk[%d].kms_key_self_link", [i])}
}

fail contains result if {
	input.resource.type in {"google_compute_instance_template", "google_compute_region_instance_template"}
	some i, d in lib.arr(lib.attr("disk"))
	not keyed(lib.obj(d))
	not lib.has(lib.obj(d), "source")
	result := {"msg": sprintf("instance template \"%v\" disk %d uses a Google-managed key", [input.resource.name, i]), "path": sprintf("disk[%d].disk_encryption_key", [i])}
}
