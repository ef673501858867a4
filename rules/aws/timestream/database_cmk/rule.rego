# METADATA
# title: Timestream databases are encrypted with a customer managed key
# description: >-
#   Without kms_key_id (CloudFormation: KmsKeyId) a Timestream database is encrypted with
#   the AWS managed key alias/aws/timestream, whose policy cannot be restricted or audited
#   per database.
# custom:
#   id: PG-AWS-TIMESTREAM-001
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_timestreamwrite_database]
#     cloudformation: ["AWS::Timestream::Database"]
#   frameworks:
#     nist-800-53: ["SC-12", "SC-28"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set kms_key_id (CloudFormation: KmsKeyId) to a customer managed key.
#   fixable: false
package policyguard.rules.aws.timestream.database_cmk

import data.policyguard.lib
import rego.v1

keys := {"aws_timestreamwrite_database": "kms_key_id", "AWS::Timestream::Database": "KmsKeyId"}

fail contains result if {
	key := keys[input.resource.type]
	v := lib.attr(key)
	not customer_key(v)
	result := {"msg": sprintf("%s: the AWS managed key protects the database, not a customer managed key", [input.resource.id]), "path": key}
}

customer_key(v) if {
	is_string(v)
	v != ""
	not startswith(lower(v), "alias/aws/")
}

customer_key(v) if lib.is_unknown(v)
