# METADATA
# title: CloudWatch log groups are encrypted with a KMS key
# description: >-
#   Log groups are always encrypted by the service; a customer managed KMS key additionally
#   controls and audits who can read log data, which often contains tokens and personal data.
# custom:
#   id: PG-AWS-CLOUDWATCH-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudwatch_log_group]
#     cloudformation: ["AWS::Logs::LogGroup"]
#   frameworks:
#     nist-800-53: ["SC-28", "AU-9"]
#   remediation: >-
#     Set kms_key_id (CloudFormation: KmsKeyId) to a KMS key whose policy allows
#     logs.<region>.amazonaws.com to use it.
#   fixable: false
package policyguard.rules.aws.cloudwatch.log_group_kms

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_cloudwatch_log_group"}
	not present(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the log group is not encrypted with a customer managed KMS key", describe([v | v := input.resource.attributes.kms_key_id])]),
		"path": "kms_key_id"
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Logs::LogGroup"}
	not present(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the log group is not encrypted with a customer managed KMS key", describe([v | v := input.resource.attributes.KmsKeyId])]),
		"path": "KmsKeyId"
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.kms_key_id
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.KmsKeyId
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

present(v) if {
	is_string(v)
	v != ""
}

present(v) if lib.is_unknown(v)
