# METADATA
# title: Default security groups restrict all traffic
# description: >-
#   Resources launched without an explicit security group land in the VPC's default group. If
#   that group has any ingress or egress rule, forgotten resources silently get network access;
#   managing aws_default_security_group with no rules removes AWS's default allow rules.
# custom:
#   id: PG-AWS-EC2-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_default_security_group]
#   frameworks:
#     cis-aws: ["5.4"]
#     nist-800-53: ["SC-7", "AC-4"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Declare aws_default_security_group for every VPC without ingress or egress blocks, and give
#     every resource a purpose-built security group.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.default_security_group

import data.policyguard.lib
import rego.v1

fail contains result if {
	some direction in ["ingress", "egress"]
	rules := input.resource.attributes[direction]
	allows_something(rules)
	result := {
		"msg": sprintf("%s: the default security group has %s rules (%s)", [input.resource.id, direction, describe(rules)]),
		"path": direction,
		"fix": {"description": sprintf("Remove every %s rule from the default security group", [direction]), "ops": [{"op": "remove", "path": direction}]},
	}
}

allows_something(rules) if {
	is_array(rules)
	count(rules) > 0
}

# unresolved rules (e.g. a dynamic block) are reported unknown by the engine
allows_something(rules) if lib.is_unknown(rules)

describe(rules) := sprintf("%d rule(s)", [count(rules)]) if is_array(rules)

describe(rules) := "unresolved" if not is_array(rules)
