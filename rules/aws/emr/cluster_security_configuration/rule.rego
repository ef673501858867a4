# METADATA
# title: EMR clusters use a security configuration
# description: >-
#   A cluster without security_configuration (CloudFormation: SecurityConfiguration) runs
#   without the settings only a security configuration provides: encryption at rest and in
#   transit, Kerberos authentication, and IAM roles for EMRFS.
# custom:
#   id: PG-AWS-EMR-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_emr_cluster]
#     cloudformation: ["AWS::EMR::Cluster"]
#   frameworks:
#     nist-800-53: ["SC-8", "SC-28"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Create an aws_emr_security_configuration (AWS::EMR::SecurityConfiguration) with
#     encryption enabled and name it in the cluster's security_configuration.
#   fixable: false
package policyguard.rules.aws.emr.cluster_security_configuration

import data.policyguard.lib
import rego.v1

keys := {"aws_emr_cluster": "security_configuration", "AWS::EMR::Cluster": "SecurityConfiguration"}

fail contains result if {
	key := keys[input.resource.type]
	lib.attr(key) in {null, ""}
	result := {"msg": sprintf("%s: the cluster has no security configuration", [input.resource.id]), "path": key}
}
