# METADATA
# title: Application load balancers drop invalid HTTP headers
# description: >-
#   Forwarding header fields with invalid names lets clients smuggle ambiguous headers to
#   targets, the basis of request smuggling and header injection attacks.
# custom:
#   id: PG-AWS-ELB-003
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_lb, aws_alb]
#     cloudformation: ["AWS::ElasticLoadBalancingV2::LoadBalancer"]
#   frameworks:
#     nist-800-53: ["SI-10"]
#   remediation: >-
#     Set drop_invalid_header_fields = true on the ALB (CloudFormation: LoadBalancerAttributes
#     routing.http.drop_invalid_header_fields.enabled = "true").
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.elb.drop_invalid_headers

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_lb", "aws_alb"}
	object.get(input.resource.attributes, "load_balancer_type", "application") == "application"
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "invalid HTTP header fields are forwarded to targets", describe([v | v := input.resource.attributes.drop_invalid_header_fields])]),
		"path": "drop_invalid_header_fields",
		"fix": {"description": "Drop invalid HTTP header fields", "ops": [{"op": "set", "path": "drop_invalid_header_fields", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.drop_invalid_header_fields
} else := null

fail contains result if {
	input.resource.platform == "cloudformation"
	object.get(input.resource.attributes, "Type", "application") == "application"
	not lib.truthy(cfn_attribute("routing.http.drop_invalid_header_fields.enabled"))
	result := cfn_result
}

# portable: null when the attribute is absent (OPA leaves `not f(undefined)` undefined); the
# first entry that sets it when several do
cfn_attribute(key) := values[0] if {
	values := [a.Value | some a in lib.arr(input.resource.attributes.LoadBalancerAttributes); a.Key == key]
	count(values) > 0
} else := null

# [index, value] of each LoadBalancerAttributes entry that sets the header attribute
cfn_header_entries := [[i, a.Value] |
	some i, a in lib.arr(input.resource.attributes.LoadBalancerAttributes)
	a.Key == "routing.http.drop_invalid_header_fields.enabled"
]

cfn_result := {
	"msg": sprintf("%s: invalid HTTP header fields are forwarded to targets (routing.http.drop_invalid_header_fields.enabled is %v)", [input.resource.id, v]),
	"path": sprintf("LoadBalancerAttributes[%d].Value", [i]),
	"fix": {"description": "Drop invalid HTTP header fields", "ops": [{"op": "set", "path": sprintf("LoadBalancerAttributes[%d].Value", [i]), "value": "true"}]},
} if {
	count(cfn_header_entries) > 0
	i := cfn_header_entries[0][0]
	v := cfn_header_entries[0][1]
} else := {
	"msg": sprintf("%s: invalid HTTP header fields are forwarded to targets (routing.http.drop_invalid_header_fields.enabled is not set)", [input.resource.id]),
	"path": "LoadBalancerAttributes",
	"fix": {"description": "Drop invalid HTTP header fields", "ops": [{"op": "add", "path": "LoadBalancerAttributes", "value": {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}}]},
} if {
	is_array(input.resource.attributes.LoadBalancerAttributes)
} else := {
	"msg": sprintf("%s: invalid HTTP header fields are forwarded to targets (routing.http.drop_invalid_header_fields.enabled is not set)", [input.resource.id]),
	"path": "LoadBalancerAttributes",
	"fix": {"description": "Drop invalid HTTP header fields", "ops": [{"op": "set", "path": "LoadBalancerAttributes", "value": [{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}]}]},
}

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
