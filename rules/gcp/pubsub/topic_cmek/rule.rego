# METADATA
# title: Pub/Sub topics encrypt messages with a customer-managed key
# description: >-
#   Messages at rest in a topic use Google-managed keys unless kms_key_name names a Cloud KMS
#   key; with your own key, access to retained messages can be revoked and audited.
# custom:
#   id: PG-GCP-PUBSUB-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_pubsub_topic]
#   frameworks:
#     nist-800-53: [SC-12, SC-28]
#     soc2: [CC6.1]
#   remediation: Set kms_key_name = google_kms_crypto_key.x.id (the Pub/Sub service agent needs encrypter/decrypter on it).
#   fixable: false
package policyguard.rules.gcp.pubsub.topic_cmek

import rego.v1

import data.policyguard.lib

fail contains result if {
	k := lib.attr("kms_key_name")
	trim_space(lib.str(k)) == ""
	not lib.is_unknown(k)
	result := {"msg": sprintf("Pub/Sub topic \"%v\" uses a Google-managed key", [input.resource.name]), "path": "kms_key_name"}
}
