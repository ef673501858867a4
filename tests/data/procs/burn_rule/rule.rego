# METADATA
# title: Test rule - burns CPU in the Rego engine on resources named 'burn'
# custom:
#   id: TEST-REGO-BURN
#   severity: low
#   resource_types:
#     terraform: [aws_ebs_volume]
package policyguard.test.rego_burn

import rego.v1

fail contains {"msg": "burnt", "path": ""} if {
	input.resource.name == "burn"
	count(numbers.range(1, 3000000)) > 0
}
