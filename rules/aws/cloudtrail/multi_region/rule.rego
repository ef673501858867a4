# METADATA
# title: CloudTrail trails record every region
# description: >-
#   A single-region trail misses API activity in every other region, where an attacker can
#   create resources unnoticed.
# custom:
#   id: PG-AWS-CLOUDTRAIL-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     cis-aws: ["3.1"]
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Set is_multi_region_trail = true (CloudFormation: IsMultiRegionTrail: true).
#   fixable: true
#   fix_safety: safe
package policyguard.rules.aws.cloudtrail.multi_region

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_cloudtrail"}
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the trail is not multi-region", describe([v | v := input.resource.attributes.is_multi_region_trail])]),
		"path": "is_multi_region_trail",
		"fix": {"description": "CloudTrail trails record every region", "ops": [{"op": "set", "path": "is_multi_region_trail", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::CloudTrail::Trail"}
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the trail is not multi-region", describe([v | v := input.resource.attributes.IsMultiRegionTrail])]),
		"path": "IsMultiRegionTrail",
		"fix": {"description": "CloudTrail trails record every region", "ops": [{"op": "set", "path": "IsMultiRegionTrail", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.is_multi_region_trail
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.IsMultiRegionTrail
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
