# METADATA
# title: CloudTrail logs are encrypted with a KMS key
# description: >-
#   With SSE-KMS, reading the logs also requires kms:Decrypt on the trail key, separating who
#   can read audit records from who can read the bucket.
# custom:
#   id: PG-AWS-CLOUDTRAIL-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     cis-aws: ["3.5"]
#     nist-800-53: ["AU-9", "SC-28"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Create a KMS key whose policy lets cloudtrail.amazonaws.com encrypt, and set kms_key_id
#     (CloudFormation: KMSKeyId) on the trail.
#   fixable: false
package policyguard.rules.aws.cloudtrail.kms_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_cloudtrail"}
	not present(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "logs are not encrypted with a KMS key", describe([v | v := input.resource.attributes.kms_key_id])]),
		"path": "kms_key_id"
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::CloudTrail::Trail"}
	not present(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "logs are not encrypted with a KMS key", describe([v | v := input.resource.attributes.KMSKeyId])]),
		"path": "KMSKeyId"
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.kms_key_id
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.KMSKeyId
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

present(v) if {
	is_string(v)
	v != ""
}

present(v) if lib.is_unknown(v)
