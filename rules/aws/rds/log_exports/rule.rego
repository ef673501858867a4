# METADATA
# title: RDS instances and Aurora clusters export database logs
# description: >-
#   Without enabled_cloudwatch_logs_exports (CloudFormation: EnableCloudwatchLogsExports)
#   the engine's logs (errors, connections, audit, slow queries) stay on the instance,
#   rotate away within days and cannot be searched or alerted on. Instances that belong to
#   an Aurora cluster are judged on the cluster.
# custom:
#   id: PG-AWS-RDS-101
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_db_instance, aws_rds_cluster]
#     cloudformation: ["AWS::RDS::DBInstance", "AWS::RDS::DBCluster"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Export the engine's log types (for example ["postgresql"], ["audit", "error",
#     "slowquery"] for MySQL) through enabled_cloudwatch_logs_exports (CloudFormation:
#     EnableCloudwatchLogsExports).
#   fixable: false
package policyguard.rules.aws.rds.log_exports

import data.policyguard.lib
import rego.v1

keys := {
	"aws_db_instance": "enabled_cloudwatch_logs_exports", "aws_rds_cluster": "enabled_cloudwatch_logs_exports",
	"AWS::RDS::DBInstance": "EnableCloudwatchLogsExports", "AWS::RDS::DBCluster": "EnableCloudwatchLogsExports",
}

fail contains result if {
	key := keys[input.resource.type]
	not cluster_member
	v := lib.attr(key)
	not lib.is_unknown(v)
	count(lib.arr(v)) == 0
	result := {"msg": sprintf("%s: no database logs are exported to CloudWatch Logs", [input.resource.id]), "path": key}
}

cluster_member if not lib.attr("cluster_identifier") in {null, ""}

cluster_member if not lib.attr("DBClusterIdentifier") in {null, ""}
