# METADATA
# title: MSK clusters encrypt data at rest with a customer managed key
# description: >-
#   Without encryption_at_rest_kms_key_arn (CloudFormation:
#   EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId) MSK encrypts broker volumes with an
#   AWS managed key, whose key policy cannot be restricted or audited per cluster and which
#   cannot be disabled to cut off access.
# custom:
#   id: PG-AWS-MSK-001
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_msk_cluster]
#     cloudformation: ["AWS::MSK::Cluster"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set encryption_info { encryption_at_rest_kms_key_arn = <customer managed key ARN> }
#     (CloudFormation: EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId). The key is
#     chosen at creation.
#   fixable: false
package policyguard.rules.aws.msk.encryption_at_rest_cmk

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_msk_cluster"
	info := lib.first(lib.attr("encryption_info"))
	key := object.get(lib.obj(info), "encryption_at_rest_kms_key_arn", null)
	key in {null, ""}
	result := {"msg": sprintf("%s: broker volumes are encrypted with the AWS managed key, not a customer managed key", [input.resource.id]), "path": tf_path(info)}
}

fail contains result if {
	input.resource.type == "AWS::MSK::Cluster"
	info := lib.attr("EncryptionInfo")
	not lib.is_unknown(info)
	rest := object.get(lib.obj(info), "EncryptionAtRest", null)
	not lib.is_unknown(rest)
	object.get(lib.obj(rest), "DataVolumeKMSKeyId", null) in {null, ""}
	result := {"msg": sprintf("%s: broker volumes are encrypted with the AWS managed key, not a customer managed key", [input.resource.id]), "path": "EncryptionInfo"}
}

tf_path(info) := "encryption_info[0].encryption_at_rest_kms_key_arn" if is_object(info)

tf_path(info) := "encryption_info" if not is_object(info)
