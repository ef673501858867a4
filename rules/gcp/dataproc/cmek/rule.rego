# METADATA
# title: Dataproc clusters encrypt disks with a customer-managed key
# description: >-
#   Without encryption_config.kms_key_name the cluster's persistent disks (HDFS data, shuffle,
#   job files) use Google-managed keys that you cannot revoke or audit separately.
# custom:
#   id: PG-GCP-DATAPROC-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_dataproc_cluster]
#   frameworks:
#     cis-gcp: ["8.1"]
#     nist-800-53: [SC-12, SC-28]
#     soc2: [CC6.1]
#   remediation: Add cluster_config { encryption_config { kms_key_name = google_kms_crypto_key.x.id } }.
#   fixable: false
package policyguard.rules.gcp.dataproc.cmek

import rego.v1

import data.policyguard.lib

cc := lib.obj(lib.first(lib.attr("cluster_config")))

fail contains result if {
	k := object.get(lib.obj(lib.first(object.get(cc, "encryption_config", null))), "kms_key_name", null)
	trim_space(lib.str(k)) == ""
	not lib.is_unknown(k)
	result := {"msg": sprintf("Dataproc cluster \"%v\" encrypts its disks with Google-managed keys", [input.resource.name]), "path": "cluster_config[0].encryption_config"}
}
