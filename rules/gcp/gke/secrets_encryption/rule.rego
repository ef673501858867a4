# METADATA
# title: GKE clusters encrypt Secrets with a Cloud KMS key
# description: >-
#   Application-layer secrets encryption wraps the etcd encryption of Kubernetes Secrets with a
#   key you control in Cloud KMS, so a copy of etcd or its backups does not disclose them and
#   access can be cut by disabling the key.
# custom:
#   id: PG-GCP-GKE-020
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [SC-28, SC-12]
#     soc2: [CC6.1]
#   remediation: Add database_encryption { state = "ENCRYPTED", key_name = google_kms_crypto_key.x.id }.
#   fixable: false
package policyguard.rules.gcp.gke.secrets_encryption

import rego.v1

import data.policyguard.lib

de := lib.obj(lib.first(lib.attr("database_encryption")))

fail contains result if {
	not lib.has(de, "state")
	result := {
		"msg": sprintf("GKE cluster \"%v\" does not encrypt Secrets with a Cloud KMS key (no database_encryption)", [input.resource.name]),
		"path": "database_encryption",
	}
}

fail contains result if {
	not de.state == "ENCRYPTED"
	lib.has(de, "state")
	result := {
		"msg": sprintf("GKE cluster \"%v\" does not encrypt Secrets with a Cloud KMS key (database_encryption.state = %v)", [input.resource.name, de.state]),
		"path": "database_encryption[0].state",
	}
}
