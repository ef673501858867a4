# METADATA
# title: SageMaker endpoint configurations encrypt the endpoint's storage with a customer managed key
# description: >-
#   Without kms_key_arn (CloudFormation: KmsKeyId) the ML storage volumes of the endpoint's
#   instances (model artifacts, captured data) are encrypted with the AWS managed key only,
#   whose policy cannot be restricted.
# custom:
#   id: PG-AWS-SAGEMAKER-004
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_sagemaker_endpoint_configuration]
#     cloudformation: ["AWS::SageMaker::EndpointConfig"]
#   frameworks:
#     nist-800-53: ["SC-12", "SC-28"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set kms_key_arn (CloudFormation: KmsKeyId) to a customer managed key.
#   fixable: false
package policyguard.rules.aws.sagemaker.endpoint_kms

import data.policyguard.lib
import rego.v1

keys := {"aws_sagemaker_endpoint_configuration": "kms_key_arn", "AWS::SageMaker::EndpointConfig": "KmsKeyId"}

fail contains result if {
	key := keys[input.resource.type]
	v := lib.attr(key)
	not customer_key(v)
	result := {"msg": sprintf("%s: the AWS managed key protects it, not a customer managed key (%s %s)", [input.resource.id, key, shown(v)]), "path": key}
}

# a key id, ARN or alias other than the AWS managed alias/aws/...; unresolved values name a key
customer_key(v) if {
	is_string(v)
	v != ""
	not startswith(lower(v), "alias/aws/")
}

customer_key(v) if lib.is_unknown(v)

shown(v) := "not set" if v == null

shown(v) := sprintf("%v", [v]) if v != null
