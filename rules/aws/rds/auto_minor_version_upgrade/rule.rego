# METADATA
# title: RDS database instances apply minor engine upgrades automatically
# description: >-
#   Minor engine versions carry security fixes; with automatic minor version upgrades RDS
#   applies them in the maintenance window instead of leaving known vulnerabilities running
#   until someone upgrades by hand. The default is on (Terraform and CloudFormation): only an
#   explicit false fails. Aurora cluster members are judged on aws_rds_cluster_instance.
# custom:
#   id: PG-AWS-RDS-007
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_db_instance, aws_rds_cluster_instance]
#     cloudformation: ["AWS::RDS::DBInstance"]
#   frameworks:
#     cis-aws: ["2.3.2"]
#     nist-800-53: ["SI-2"]
#     pci-dss-4.0: ["6.3.3"]
#     soc2: ["CC7.1"]
#   remediation: >-
#     Remove auto_minor_version_upgrade = false (Terraform) or AutoMinorVersionUpgrade: false
#     (CloudFormation), or set it to true.
#   fixable: false
package policyguard.rules.aws.rds.auto_minor_version_upgrade

import data.policyguard.lib
import rego.v1

key := "auto_minor_version_upgrade" if input.resource.platform == "terraform"

key := "AutoMinorVersionUpgrade" if input.resource.platform == "cloudformation"

# null (a plan's unset value) is the default, true; an unresolved value fails on its path (unknown)
fail contains result if {
	v := lib.attr(key)
	off(v)
	result := {
		"msg": sprintf("%s: minor engine upgrades are not applied automatically (%s is %s)", [input.resource.id, key, json.marshal(v)]),
		"path": key,
	}
}

off(v) if {
	v != null
	lib.falsy(v)
}

off(v) if lib.is_unknown(v)

off(v) if {
	not is_string(v)
	not is_boolean(v)
	not is_number(v)
	not is_null(v)
	not lib.is_unknown(v)
}
