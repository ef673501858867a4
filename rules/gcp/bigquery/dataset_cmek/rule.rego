# METADATA
# title: BigQuery datasets encrypt new tables with a customer-managed key by default
# description: >-
#   default_encryption_configuration.kms_key_name makes every new table of the dataset use a
#   Cloud KMS key you control (revocable, audited) instead of a Google-managed key.
# custom:
#   id: PG-GCP-BIGQUERY-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_bigquery_dataset]
#   frameworks:
#     cis-gcp: ["7.3"]
#     nist-800-53: [SC-12, SC-28]
#     soc2: [CC6.1]
#   remediation: Add default_encryption_configuration { kms_key_name = google_kms_crypto_key.x.id }.
#   fixable: false
package policyguard.rules.gcp.bigquery.dataset_cmek

import rego.v1

import data.policyguard.lib

fail contains result if {
	k := object.get(lib.obj(lib.first(lib.attr("default_encryption_configuration"))), "kms_key_name", null)
	trim_space(lib.str(k)) == ""
	not lib.is_unknown(k)
	result := {"msg": sprintf("BigQuery dataset \"%v\" has no default customer-managed key", [input.resource.name]), "path": "default_encryption_configuration"}
}
