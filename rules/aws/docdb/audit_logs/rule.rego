# METADATA
# title: DocumentDB clusters export audit logs
# description: >-
#   Without the audit log type in enabled_cloudwatch_logs_exports (CloudFormation:
#   EnableCloudwatchLogsExports) authentication attempts, DDL and user management events are
#   not recorded (the cluster parameter group must also set audit_logs).
# custom:
#   id: PG-AWS-DOCDB-002
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_docdb_cluster]
#     cloudformation: ["AWS::DocDB::DBCluster"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add "audit" to enabled_cloudwatch_logs_exports and set audit_logs = enabled in the
#     cluster parameter group.
#   fixable: false
package policyguard.rules.aws.docdb.audit_logs

import data.policyguard.lib
import rego.v1

keys := {"aws_docdb_cluster": "enabled_cloudwatch_logs_exports", "AWS::DocDB::DBCluster": "EnableCloudwatchLogsExports"}

fail contains result if {
	key := keys[input.resource.type]
	v := lib.attr(key)
	not lib.is_unknown(v)
	not "audit" in {lower(lib.str(x)) | some x in lib.arr(v)}
	result := {"msg": sprintf("%s: audit logs are not exported to CloudWatch Logs", [input.resource.id]), "path": key}
}
