# METADATA
# title: CloudTrail trails are logging
# description: >-
#   A trail with logging turned off records nothing while still looking configured.
# custom:
#   id: PG-AWS-CLOUDTRAIL-004
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Set enable_logging = true or remove it (the default); in CloudFormation set IsLogging:
#     true.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.aws.cloudtrail.logging_enabled

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_cloudtrail"}
	disabled(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "logging is turned off", describe([v | v := input.resource.attributes.enable_logging])]),
		"path": "enable_logging",
		"fix": {"description": "CloudTrail trails are logging", "ops": [{"op": "set", "path": "enable_logging", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::CloudTrail::Trail"}
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "logging is turned off", describe([v | v := input.resource.attributes.IsLogging])]),
		"path": "IsLogging",
		"fix": {"description": "CloudTrail trails are logging", "ops": [{"op": "set", "path": "IsLogging", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.enable_logging
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.IsLogging
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

disabled(v) if v == false

disabled(v) if v == "false"

disabled(v) if lib.is_unknown(v)
