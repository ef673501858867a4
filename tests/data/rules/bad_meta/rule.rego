# METADATA
# title: Test rule with bad metadata
# custom:
#   id: TEST-BAD-001
#   severity: catastrophic
#   resource_types:
#     terraform: [aws_s3_bucket]
package policyguard.test.bad_meta

import rego.v1

fail contains "x" if input.resource.attributes.x
