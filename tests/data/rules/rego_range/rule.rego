# METADATA
# title: Test rule - runaway evaluation (a huge numbers.range) on resources named 'huge'
# custom:
#   id: TEST-REGO-HUGE
#   severity: low
#   resource_types:
#     terraform: [aws_ebs_volume]
package policyguard.test.rego_range

import rego.v1

fail contains {"msg": "counted", "path": ""} if {
	input.resource.name == "huge"
	count(numbers.range(1, 10000000000)) > 0
}
