# METADATA
# title: Secrets Manager secrets are encrypted with a customer managed key
# description: >-
#   Without kms_key_id (CloudFormation: KmsKeyId) a secret is encrypted with the AWS managed
#   key aws/secretsmanager, whose policy cannot be changed: access to the secret value
#   cannot be limited or shared across accounts through the key, and the key cannot be
#   disabled to revoke access.
# custom:
#   id: PG-AWS-SECRETSMANAGER-101
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_secretsmanager_secret]
#     cloudformation: ["AWS::SecretsManager::Secret"]
#   frameworks:
#     nist-800-53: ["SC-12", "SC-28"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set kms_key_id (CloudFormation: KmsKeyId) to a customer managed key whose policy
#     names the secret's readers.
#   fixable: false
package policyguard.rules.aws.secretsmanager.secret_cmk

import data.policyguard.lib
import rego.v1

keys := {"aws_secretsmanager_secret": "kms_key_id", "AWS::SecretsManager::Secret": "KmsKeyId"}

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
