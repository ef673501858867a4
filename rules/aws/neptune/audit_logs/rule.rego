# METADATA
# title: Neptune clusters export audit logs
# description: >-
#   Without the audit log type in enable_cloudwatch_logs_exports (CloudFormation:
#   EnableCloudwatchLogsExports) queries and connections to the graph are not recorded (the
#   cluster parameter group must also set neptune_enable_audit_log).
# custom:
#   id: PG-AWS-NEPTUNE-002
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_neptune_cluster]
#     cloudformation: ["AWS::Neptune::DBCluster"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add "audit" to enable_cloudwatch_logs_exports and set neptune_enable_audit_log = 1
#     in the cluster parameter group.
#   fixable: false
package policyguard.rules.aws.neptune.audit_logs

import data.policyguard.lib
import rego.v1

keys := {"aws_neptune_cluster": "enable_cloudwatch_logs_exports", "AWS::Neptune::DBCluster": "EnableCloudwatchLogsExports"}

fail contains result if {
	key := keys[input.resource.type]
	v := lib.attr(key)
	not lib.is_unknown(v)
	not "audit" in {lower(lib.str(x)) | some x in lib.arr(v)}
	result := {"msg": sprintf("%s: audit logs are not exported to CloudWatch Logs", [input.resource.id]), "path": key}
}
