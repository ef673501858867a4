# METADATA
# title: Application and classic load balancers write access logs
# description: >-
#   Load balancer access logs record every request (client address, path, status, TLS details)
#   and are often the only record of an attack against a web application. Network and gateway
#   load balancers are not judged.
# custom:
#   id: PG-AWS-ELB-004
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_lb, aws_alb, aws_elb]
#     cloudformation: ["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add access_logs { bucket = <log bucket>, enabled = true } (CloudFormation v2:
#     LoadBalancerAttributes access_logs.s3.enabled / access_logs.s3.bucket; classic:
#     AccessLoggingPolicy). The bucket policy must allow the regional ELB log delivery principal.
#   fixable: false
package policyguard.rules.aws.elb.access_logs

import data.policyguard.lib
import rego.v1

# ALB: access_logs.enabled defaults to false even when a bucket is given
fail contains result if {
	input.resource.type in {"aws_lb", "aws_alb"}
	object.get(input.resource.attributes, "load_balancer_type", "application") == "application"
	not lib.truthy(alb_logging_enabled)
	result := {"msg": sprintf("%s: access logs are not enabled", [input.resource.id]), "path": tf_path}
}

# classic ELB: enabled defaults to true once the block is present
fail contains result if {
	input.resource.type == "aws_elb"
	not classic_logging
	result := {"msg": sprintf("%s: access logs are not enabled", [input.resource.id]), "path": tf_path}
}

fail contains result if {
	input.resource.type == "AWS::ElasticLoadBalancingV2::LoadBalancer"
	object.get(input.resource.attributes, "Type", "application") == "application"
	not cfn_v2_logging
	result := {"msg": sprintf("%s: access logs are not enabled (access_logs.s3.enabled is not \"true\")", [input.resource.id]), "path": cfn_v2_path}
}

fail contains result if {
	input.resource.type == "AWS::ElasticLoadBalancing::LoadBalancer"
	not lib.truthy(classic_cfn_enabled)
	result := {"msg": sprintf("%s: access logs are not enabled", [input.resource.id]), "path": "AccessLoggingPolicy"}
}

tf_path := "access_logs[0].enabled" if {
	_ = input.resource.attributes.access_logs[0]
} else := "access_logs"

classic_logging if {
	block := input.resource.attributes.access_logs[0]
	is_object(block)
	not lib.falsy(object.get(block, "enabled", true))
}

cfn_v2_logging if {
	some a in lib.coll(input.resource.attributes.LoadBalancerAttributes)
	a.Key == "access_logs.s3.enabled"
	lib.truthy(a.Value)
}

# the first entry that sets access_logs.s3.enabled (one value, however many do), else the list
cfn_v2_path := sprintf("LoadBalancerAttributes[%d].Value", [cfn_v2_entries[0]]) if {
	count(cfn_v2_entries) > 0
} else := "LoadBalancerAttributes"

cfn_v2_entries := [i |
	some i, a in lib.coll(input.resource.attributes.LoadBalancerAttributes)
	a.Key == "access_logs.s3.enabled"
]

# portable: bind optional values through a default (OPA leaves `not f(undefined)` undefined)
alb_logging_enabled := v if {
	v := input.resource.attributes.access_logs[0].enabled
} else := null

classic_cfn_enabled := v if {
	v := input.resource.attributes.AccessLoggingPolicy.Enabled
} else := null
