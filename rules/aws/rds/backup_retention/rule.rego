# METADATA
# title: RDS databases keep automated backups for at least 7 days
# description: >-
#   Automated backups and point-in-time restore cover only the retention window; a period under
#   7 days (0 disables backups) leaves little time to notice corruption or a destructive change
#   before the restore point is gone.
# custom:
#   id: PG-AWS-RDS-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_db_instance, aws_rds_cluster]
#     cloudformation: ["AWS::RDS::DBInstance", "AWS::RDS::DBCluster"]
#   frameworks:
#     nist-800-53: ["CP-9"]
#     soc2: ["A1.2"]
#   remediation: >-
#     Set backup_retention_period (CloudFormation: BackupRetentionPeriod) to 7 days or more (up
#     to 35).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.rds.backup_retention

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_db_instance", "aws_rds_cluster"}
	not lib.has(input.resource.attributes, "replicate_source_db")
	not at_least(value_0, 7)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "automated backups are kept for fewer than 7 days", describe([v | v := input.resource.attributes.backup_retention_period])]),
		"path": "backup_retention_period",
		"fix": {"description": "Keep automated backups for 7 days", "ops": [{"op": "set", "path": "backup_retention_period", "value": 7}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}
	not lib.has(input.resource.attributes, "DBClusterIdentifier")
	not lib.has(input.resource.attributes, "SourceDBInstanceIdentifier")
	not at_least(value_1, 7)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "automated backups are kept for fewer than 7 days", describe([v | v := input.resource.attributes.BackupRetentionPeriod])]),
		"path": "BackupRetentionPeriod",
		"fix": {"description": "Keep automated backups for 7 days", "ops": [{"op": "set", "path": "BackupRetentionPeriod", "value": 7}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.backup_retention_period
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.BackupRetentionPeriod
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

# numbers may be written as strings (CloudFormation); anything else is not "at least n"
at_least(v, n) if {
	is_number(v)
	v >= n
}

at_least(v, n) if {
	is_string(v)
	regex.match(`^[0-9]+$`, v)
	to_number(v) >= n
}
