# METADATA
# title: ECR repositories encrypt images with a customer managed key
# description: >-
#   By default (encryption_type AES256) images are encrypted with an Amazon S3-managed key
#   that no key policy can restrict or audit; KMS with a customer managed key puts every
#   pull under the key's policy and CloudTrail. The encryption type is chosen at creation.
# custom:
#   id: PG-AWS-ECR-101
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_ecr_repository]
#     cloudformation: ["AWS::ECR::Repository"]
#   frameworks:
#     nist-800-53: ["SC-12", "SC-28"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set encryption_configuration { encryption_type = "KMS", kms_key = <key ARN> }
#     (CloudFormation: EncryptionConfiguration EncryptionType: KMS, KmsKey).
#   fixable: false
package policyguard.rules.aws.ecr.repository_cmk

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_ecr_repository"
	ec := lib.first(lib.attr("encryption_configuration"))
	not upper(lib.str(object.get(lib.obj(ec), "encryption_type", null))) == "KMS"
	result := {"msg": sprintf("%s: images are not encrypted with a KMS key", [input.resource.id]), "path": "encryption_configuration"}
}

fail contains result if {
	input.resource.type == "AWS::ECR::Repository"
	ec := lib.attr("EncryptionConfiguration")
	not lib.is_unknown(ec)
	not upper(lib.str(object.get(lib.obj(ec), "EncryptionType", null))) == "KMS"
	result := {"msg": sprintf("%s: images are not encrypted with a KMS key", [input.resource.id]), "path": "EncryptionConfiguration"}
}
