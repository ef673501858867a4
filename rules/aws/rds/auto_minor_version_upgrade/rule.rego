# METADATA
# title: RDS instances apply minor engine upgrades automatically
# description: >-
#   With auto_minor_version_upgrade = false (CloudFormation: AutoMinorVersionUpgrade: false)
#   the engine stays on its minor version until someone upgrades it by hand, missing the
#   security fixes minor versions carry. The default (true) passes.
# custom:
#   id: PG-AWS-RDS-102
#   severity: low
#   resource_types:
#     terraform: [aws_db_instance, aws_rds_cluster_instance]
#     cloudformation: ["AWS::RDS::DBInstance"]
#   frameworks:
#     nist-800-53: ["SI-2"]
#     pci-dss-4.0: ["6.3.3"]
#     soc2: ["CC7.1"]
#   remediation: >-
#     Set auto_minor_version_upgrade = true (CloudFormation: AutoMinorVersionUpgrade:
#     true) and choose a maintenance window.
#   fixable: false
package policyguard.rules.aws.rds.auto_minor_version_upgrade

import data.policyguard.lib
import rego.v1

keys := {"aws_db_instance": "auto_minor_version_upgrade", "aws_rds_cluster_instance": "auto_minor_version_upgrade", "AWS::RDS::DBInstance": "AutoMinorVersionUpgrade"}

fail contains result if {
	key := keys[input.resource.type]
	v := lib.attr(key)
	v != null
	lib.falsy(v)
	result := {"msg": sprintf("%s: automatic minor version upgrades are turned off", [input.resource.id]), "path": key}
}
