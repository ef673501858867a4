# METADATA
# title: Test rule - error at evaluation time on resources named 'blowup'
# custom:
#   id: TEST-REGO-ERR
#   severity: low
#   resource_types:
#     terraform: [aws_ebs_volume]
package policyguard.test.rego_blowup

import rego.v1

# a conflict error: two different values for one complete rule on 'blowup'
v := 1 if input.resource.name == "blowup"

v := 2 if input.resource.name == "blowup"

fail contains {"msg": "blew up", "path": ""} if v == 3
