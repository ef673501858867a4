# METADATA
# title: Secrets Manager secrets have automatic rotation
# description: >-
#   A secret that never rotates stays valid for as long as it has been copied, logged or leaked.
#   A secret passes when a rotation resource in the same configuration targets it
#   (aws_secretsmanager_secret_rotation, AWS::SecretsManager::RotationSchedule).
# custom:
#   id: PG-AWS-SECRETSMANAGER-001
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_secretsmanager_secret]
#     cloudformation: ["AWS::SecretsManager::Secret"]
#   frameworks:
#     nist-800-53: ["IA-5(1)", "SC-12"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Add an aws_secretsmanager_secret_rotation (CloudFormation: AWS::SecretsManager::RotationSchedule)
#     with a rotation Lambda or managed rotation, for example every 30 days.
#   fixable: false
package policyguard.rules.aws.secretsmanager.rotation

import rego.v1

rotation_types := {"aws_secretsmanager_secret_rotation", "AWS::SecretsManager::RotationSchedule"}

fail contains result if {
	not rotated
	result := {"msg": sprintf("%s: no rotation is configured for this secret", [input.resource.id]), "path": ""}
}

rotated if {
	some ref in input.resource.referenced_by
	source := object.get(ref, "source", ref.target)
	input.resources[source].type in rotation_types
	ref.path in {"secret_id", "SecretId"}
}

# the secret named literally (its name or ARN written out)
rotated if {
	some key in ["name", "Name"]
	name := input.resource.attributes[key]
	is_string(name)
	some r in input.resources
	r.type in rotation_types
	some id_key in ["secret_id", "SecretId"]
	target := r.attributes[id_key]
	is_string(target)
	target == name
}
