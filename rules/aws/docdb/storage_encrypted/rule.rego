# METADATA
# title: DocumentDB clusters encrypt storage at rest
# description: >-
#   A DocumentDB cluster without storage encryption keeps its data, automated backups and
#   snapshots in clear text. The provider default is unencrypted and encryption can only be
#   chosen at creation. Clusters restored from a snapshot take the snapshot's encryption and
#   are not judged.
# custom:
#   id: PG-AWS-DOCDB-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_docdb_cluster]
#     cloudformation: ["AWS::DocDB::DBCluster"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set storage_encrypted = true (CloudFormation: StorageEncrypted: true), optionally
#     with kms_key_id / KmsKeyId; migrate an existing cluster through an encrypted
#     snapshot.
#   fixable: false
package policyguard.rules.aws.docdb.storage_encrypted

import data.policyguard.lib
import rego.v1

keys := {"aws_docdb_cluster": "storage_encrypted", "AWS::DocDB::DBCluster": "StorageEncrypted"}

fail contains result if {
	key := keys[input.resource.type]
	not restored
	not lib.truthy(lib.attr(key))
	result := {
		"msg": sprintf("%s: storage encryption is not enabled (%s)", [input.resource.id, shown(lib.attr(key))]),
		"path": key,
	}
}

restored if {
	some key in ["snapshot_identifier", "SnapshotIdentifier"]
	not lib.attr(key) in {null, ""}
}

shown(v) := "not set" if v == null

shown(v) := sprintf("found %s", [json.marshal(v)]) if v != null
