# METADATA
# title: Kinesis data streams are encrypted at rest
# description: >-
#   A Kinesis data stream without server-side encryption stores records in clear text for
#   the whole retention period. The Terraform provider's default encryption_type is NONE,
#   and CloudFormation leaves a stream unencrypted without StreamEncryption.
# custom:
#   id: PG-AWS-KINESIS-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_kinesis_stream]
#     cloudformation: ["AWS::Kinesis::Stream"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set encryption_type = "KMS" with kms_key_id (alias/aws/kinesis or a customer managed
#     key); CloudFormation: StreamEncryption with EncryptionType KMS and KeyId.
#   fixable: false
package policyguard.rules.aws.kinesis.stream_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_kinesis_stream"
	v := lib.attr("encryption_type")
	not upper(lib.str(v)) == "KMS"
	not lib.is_unknown(v)
	result := {"msg": sprintf("%s: the stream is not encrypted (encryption_type %s)", [input.resource.id, shown(v)]), "path": "encryption_type"}
}

fail contains result if {
	input.resource.type == "aws_kinesis_stream"
	lib.is_unknown(lib.attr("encryption_type"))
	result := {"msg": sprintf("%s: the stream's encryption type is not resolved", [input.resource.id]), "path": "encryption_type"}
}

fail contains result if {
	input.resource.type == "AWS::Kinesis::Stream"
	enc := lib.attr("StreamEncryption")
	not lib.is_unknown(enc)
	v := object.get(lib.obj(enc), "EncryptionType", null)
	not upper(lib.str(v)) == "KMS"
	result := {"msg": sprintf("%s: the stream is not encrypted (StreamEncryption.EncryptionType %s)", [input.resource.id, shown(v)]), "path": path(enc)}
}

path(enc) := "StreamEncryption.EncryptionType" if is_object(enc)

path(enc) := "StreamEncryption" if not is_object(enc)

shown(v) := "not set" if v == null

shown(v) := sprintf("found %s", [json.marshal(v)]) if v != null
