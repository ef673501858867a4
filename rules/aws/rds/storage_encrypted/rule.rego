# METADATA
# title: RDS instances and Aurora clusters encrypt storage at rest
# description: >-
#   An RDS instance or Aurora cluster without storage encryption keeps data, automated backups,
#   read replicas and snapshots in clear text on the underlying volumes. Encryption can only be
#   chosen at creation time.
# custom:
#   id: PG-AWS-RDS-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_db_instance, aws_rds_cluster]
#     cloudformation: ["AWS::RDS::DBInstance", "AWS::RDS::DBCluster"]
#   frameworks:
#     cis-aws: ["2.3.1"]
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set storage_encrypted = true (CloudFormation: StorageEncrypted: true), optionally with a
#     customer managed kms_key_id. Existing unencrypted databases must be migrated through an
#     encrypted snapshot copy.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.rds.storage_encrypted

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_db_instance", "aws_rds_cluster"}
	not lib.has(input.resource.attributes, "replicate_source_db")
	not lib.has(input.resource.attributes, "snapshot_identifier")
	not object.get(input.resource.attributes, "engine_mode", "") == "serverless"
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "storage encryption is not enabled", describe([v | v := input.resource.attributes.storage_encrypted])]),
		"path": "storage_encrypted",
		"fix": {"description": "Enable storage encryption (forces a new database)", "ops": [{"op": "set", "path": "storage_encrypted", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}
	not lib.has(input.resource.attributes, "DBClusterIdentifier")
	not lib.has(input.resource.attributes, "SourceDBInstanceIdentifier")
	not lib.has(input.resource.attributes, "DBSnapshotIdentifier")
	not lib.has(input.resource.attributes, "SnapshotIdentifier")
	not object.get(input.resource.attributes, "EngineMode", "") == "serverless"
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "storage encryption is not enabled", describe([v | v := input.resource.attributes.StorageEncrypted])]),
		"path": "StorageEncrypted",
		"fix": {"description": "Enable storage encryption (forces a new database)", "ops": [{"op": "set", "path": "StorageEncrypted", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.storage_encrypted
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.StorageEncrypted
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
