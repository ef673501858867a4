# METADATA
# title: Kinesis Data Firehose delivery streams encrypt data at rest
# description: >-
#   A Direct PUT delivery stream without server-side encryption buffers records unencrypted
#   before delivering them. Streams reading from a Kinesis data stream use that stream's
#   encryption and are not judged.
# custom:
#   id: PG-AWS-FIREHOSE-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_kinesis_firehose_delivery_stream]
#     cloudformation: ["AWS::KinesisFirehose::DeliveryStream"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Add server_side_encryption { enabled = true } (key_type AWS_OWNED_CMK or
#     CUSTOMER_MANAGED_CMK); CloudFormation: DeliveryStreamEncryptionConfigurationInput
#     with KeyType.
#   fixable: false
package policyguard.rules.aws.firehose.server_side_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_kinesis_firehose_delivery_stream"
	not kinesis_source
	sse := lib.first(lib.attr("server_side_encryption"))
	not lib.truthy(object.get(lib.obj(sse), "enabled", null))
	result := {"msg": sprintf("%s: server-side encryption is not enabled", [input.resource.id]), "path": tf_path(sse)}
}

fail contains result if {
	input.resource.type == "AWS::KinesisFirehose::DeliveryStream"
	not kinesis_source
	cfg := lib.attr("DeliveryStreamEncryptionConfigurationInput")
	not lib.is_unknown(cfg)
	object.get(lib.obj(cfg), "KeyType", null) == null
	result := {"msg": sprintf("%s: server-side encryption is not configured", [input.resource.id]), "path": "DeliveryStreamEncryptionConfigurationInput"}
}

tf_path(sse) := "server_side_encryption[0].enabled" if is_object(sse)

tf_path(sse) := "server_side_encryption" if not is_object(sse)

kinesis_source if count(lib.arr(lib.attr("kinesis_source_configuration"))) > 0

kinesis_source if lib.attr("DeliveryStreamType") == "KinesisStreamAsSource"

kinesis_source if is_object(lib.attr("KinesisStreamSourceConfiguration"))
