# METADATA
# title: Athena workgroups encrypt query results
# description: >-
#   Query results are copies of the data queried. A workgroup without a result encryption
#   configuration writes them to S3 as the output bucket's default allows, and with
#   enforce_workgroup_configuration = false clients may choose no encryption at all.
# custom:
#   id: PG-AWS-ATHENA-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_athena_workgroup]
#     cloudformation: ["AWS::Athena::WorkGroup"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Add configuration { result_configuration { encryption_configuration {
#     encryption_option = "SSE_KMS" ... } } } (CloudFormation:
#     WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration) and keep
#     enforce_workgroup_configuration true.
#   fixable: false
package policyguard.rules.aws.athena.workgroup_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_athena_workgroup"
	cfg := lib.first(lib.attr("configuration"))
	rc := lib.first(object.get(lib.obj(cfg), "result_configuration", null))
	enc := lib.first(object.get(lib.obj(rc), "encryption_configuration", null))
	object.get(lib.obj(enc), "encryption_option", null) in {null, ""}
	result := {"msg": sprintf("%s: query results are not encrypted by the workgroup", [input.resource.id]), "path": tf_path(cfg, rc)}
}

fail contains result if {
	input.resource.type == "AWS::Athena::WorkGroup"
	cfg := lib.attr("WorkGroupConfiguration")
	not lib.is_unknown(cfg)
	rc := object.get(lib.obj(cfg), "ResultConfiguration", null)
	not lib.is_unknown(rc)
	enc := object.get(lib.obj(rc), "EncryptionConfiguration", null)
	object.get(lib.obj(enc), "EncryptionOption", null) in {null, ""}
	result := {"msg": sprintf("%s: query results are not encrypted by the workgroup", [input.resource.id]), "path": "WorkGroupConfiguration"}
}

tf_path(cfg, rc) := "configuration[0].result_configuration[0].encryption_configuration" if is_object(rc)

else := "configuration[0].result_configuration" if is_object(cfg)

else := "configuration"
