# METADATA
# title: EKS clusters envelope-encrypt Kubernetes secrets with a KMS key
# description: >-
#   Envelope encryption with a customer managed KMS key adds a second layer over etcd's own
#   encryption for Kubernetes secrets, and lets the key policy and CloudTrail control and record
#   every decryption.
# custom:
#   id: PG-AWS-EKS-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_eks_cluster]
#     cloudformation: ["AWS::EKS::Cluster"]
#   frameworks:
#     nist-800-53: ["SC-28", "SC-12"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Add encryption_config { resources = ["secrets"], provider { key_arn = <KMS key ARN> } }
#     (CloudFormation: EncryptionConfig with Resources [secrets] and Provider.KeyArn).
#   fixable: false
package policyguard.rules.aws.eks.secrets_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	not encrypts_secrets(object.get(input.resource.attributes, "encryption_config", []), "resources")
	result := {"msg": sprintf("%s: Kubernetes secrets are not envelope-encrypted with a KMS key", [input.resource.id]), "path": "encryption_config"}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	not encrypts_secrets(object.get(input.resource.attributes, "EncryptionConfig", []), "Resources")
	result := {"msg": sprintf("%s: Kubernetes secrets are not envelope-encrypted with a KMS key", [input.resource.id]), "path": "EncryptionConfig"}
}

encrypts_secrets(configs, key) if {
	some c in lib.coll(configs)
	"secrets" in c[key]
}
