# METADATA
# title: Test rule - a rule named `internal` compiles on regorus but breaks OPA's `in`
# custom:
#   id: TEST-OPA-SHADOW
#   severity: low
#   resource_types:
#     terraform: [aws_ebs_volume]
package policyguard.test.opa_shadow

import rego.v1

internal if input.resource.name in {"e", "w"}

fail contains {"msg": "not internal", "path": ""} if not internal
