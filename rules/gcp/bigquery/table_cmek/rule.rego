# METADATA
# title: BigQuery tables are encrypted with a customer-managed key
# description: >-
#   A table without encryption_configuration uses its dataset's default key, or a Google-managed
#   key when the dataset has none. Tables of a dataset of the scan with a default customer-
#   managed key pass; views and materialized views store no data and are not judged.
# custom:
#   id: PG-GCP-BIGQUERY-003
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_bigquery_table]
#   frameworks:
#     cis-gcp: ["7.2"]
#     nist-800-53: [SC-12, SC-28]
#     soc2: [CC6.1]
#   remediation: Add encryption_configuration { kms_key_name = ... } or a default_encryption_configuration on the dataset.
#   fixable: false
package policyguard.rules.gcp.bigquery.table_cmek

import rego.v1

import data.policyguard.lib

own_key if {
	k := object.get(lib.obj(lib.first(lib.attr("encryption_configuration"))), "kms_key_name", null)
	trim_space(lib.str(k)) != ""
}

own_key if lib.is_unknown(object.get(lib.obj(lib.first(lib.attr("encryption_configuration"))), "kms_key_name", null))

view if count(lib.arr(lib.attr("view"))) > 0

view if count(lib.arr(lib.attr("materialized_view"))) > 0

# the dataset of the scan this table lives in: by reference, or by dataset_id
dataset_key if {
	some ref in lib.arr(input.resource.references)
	ref.path == "dataset_id"
	dataset_has_key(input.resources[ref.target])
}

dataset_key if {
	id := lib.attr("dataset_id")
	is_string(id)
	some r in input.resources
	r.type == "google_bigquery_dataset"
	object.get(lib.obj(r.attributes), "dataset_id", null) == id
	dataset_has_key(r)
}

dataset_has_key(d) if {
	d.type == "google_bigquery_dataset"
	k := object.get(lib.obj(lib.first(object.get(lib.obj(d.attributes), "default_encryption_configuration", null))), "kms_key_name", null)
	named_key(k)
}

# a key name, or one computed from a key resource (google_kms_crypto_key.x.id)
named_key(k) if trim_space(lib.str(k)) != ""

named_key(k) if lib.is_unknown(k)

fail contains result if {
	not own_key
	not view
	not dataset_key
	result := {"msg": sprintf("BigQuery table \"%v\" is encrypted with a Google-managed key", [input.resource.name]), "path": "encryption_configuration"}
}
