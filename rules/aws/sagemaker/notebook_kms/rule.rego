# METADATA
# title: SageMaker notebook instances encrypt their storage with a customer managed key
# description: >-
#   Without kms_key_id (CloudFormation: KmsKeyId) a notebook's ML storage volume, which
#   holds the data scientists' datasets and credentials, is encrypted with the AWS managed
#   EBS key, whose policy cannot be restricted per notebook.
# custom:
#   id: PG-AWS-SAGEMAKER-001
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_sagemaker_notebook_instance]
#     cloudformation: ["AWS::SageMaker::NotebookInstance"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set kms_key_id (CloudFormation: KmsKeyId) to a customer managed key; the notebook is
#     recreated.
#   fixable: false
package policyguard.rules.aws.sagemaker.notebook_kms

import data.policyguard.lib
import rego.v1

keys := {"aws_sagemaker_notebook_instance": "kms_key_id", "AWS::SageMaker::NotebookInstance": "KmsKeyId"}

fail contains result if {
	key := keys[input.resource.type]
	lib.attr(key) in {null, ""}
	result := {"msg": sprintf("%s: the notebook's storage volume is not encrypted with a customer managed key", [input.resource.id]), "path": key}
}
