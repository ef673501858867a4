# METADATA
# title: Test rule - EBS volumes are encrypted
# custom:
#   id: TEST-EBS-001
#   severity: medium
#   resource_types:
#     terraform: [aws_ebs_volume]
#     cloudformation: ["AWS::EC2::Volume"]
#   frameworks:
#     nist-800-53: [SC-28]
#   remediation: Set encrypted = true.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.test.ebs_encrypted

import data.policyguard.lib
import rego.v1

# lib.attr gives null for a missing attribute, so `not lib.truthy(flag)` fires on OPA too
flag := lib.attr("encrypted") if input.resource.platform == "terraform"

flag := lib.attr("Encrypted") if input.resource.platform == "cloudformation"

attr := "encrypted" if input.resource.platform == "terraform"

attr := "Encrypted" if input.resource.platform == "cloudformation"

fail contains result if {
	not lib.truthy(flag)
	result := {
		"msg": "EBS volume is not encrypted",
		"path": attr,
		"fix": {"description": "Encrypt the volume", "ops": [{"op": "set", "path": attr, "value": true}]},
	}
}
