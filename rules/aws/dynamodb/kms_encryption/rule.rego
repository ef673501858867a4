# METADATA
# title: DynamoDB tables are encrypted with a KMS key
# description: >-
#   By default DynamoDB encrypts with an AWS owned key that does not appear in your account, so
#   key use is neither logged in CloudTrail nor controllable by key policy. A KMS key (the AWS
#   managed aws/dynamodb key or, better, a customer managed key) makes access auditable.
# custom:
#   id: PG-AWS-DYNAMODB-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_dynamodb_table]
#     cloudformation: ["AWS::DynamoDB::Table"]
#   frameworks:
#     nist-800-53: ["SC-28", "SC-12"]
#   remediation: >-
#     Add server_side_encryption { enabled = true, kms_key_arn = <customer managed key> }
#     (CloudFormation: SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: ...}).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.dynamodb.kms_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_dynamodb_table"}
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the table is encrypted with the AWS owned key, not a KMS key", describe([v | v := input.resource.attributes.server_side_encryption[0].enabled])]),
		"path": path_0,
		"fix": {"description": "Encrypt the table with a KMS key", "ops": [fix_op_0]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::DynamoDB::Table"}
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the table is encrypted with the AWS owned key, not a KMS key", describe([v | v := input.resource.attributes.SSESpecification.SSEEnabled])]),
		"path": path_1,
		"fix": {"description": "Encrypt the table with a KMS key", "ops": [fix_op_1]}
	}
}

# where target 0 is judged: the attribute, or the enclosing block when that is missing
path_0 := "server_side_encryption[0].enabled" if {
	_ = input.resource.attributes.server_side_encryption[0]
} else := "server_side_encryption"

fix_op_0 := {"op": "set", "path": "server_side_encryption[0].enabled", "value": true} if {
	_ = input.resource.attributes.server_side_encryption[0]
} else := {"op": "set", "path": "server_side_encryption", "value": [{"enabled": true}]}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.server_side_encryption[0].enabled
} else := null

# where target 1 is judged: the attribute, or the enclosing block when that is missing
path_1 := "SSESpecification.SSEEnabled" if {
	_ = input.resource.attributes.SSESpecification
} else := "SSESpecification"

fix_op_1 := {"op": "set", "path": "SSESpecification.SSEEnabled", "value": true} if {
	_ = input.resource.attributes.SSESpecification
} else := {"op": "set", "path": "SSESpecification", "value": {"SSEEnabled": true}}

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.SSESpecification.SSEEnabled
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
