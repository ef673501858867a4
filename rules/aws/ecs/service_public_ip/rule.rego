# METADATA
# title: ECS services do not assign public IP addresses to tasks
# description: >-
#   assign_public_ip = true (CloudFormation: AssignPublicIp: ENABLED) gives every task of an
#   awsvpc service a public address: each task is reachable from the internet, limited only
#   by its security groups.
# custom:
#   id: PG-AWS-ECS-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_ecs_service]
#     cloudformation: ["AWS::ECS::Service"]
#   frameworks:
#     nist-800-53: ["SC-7"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Set assign_public_ip = false, run tasks in private subnets with a NAT gateway or VPC
#     endpoints, and expose them through a load balancer.
#   fixable: false
package policyguard.rules.aws.ecs.service_public_ip

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_ecs_service"
	nc := lib.first(lib.attr("network_configuration"))
	lib.truthy(object.get(lib.obj(nc), "assign_public_ip", null))
	result := {"msg": sprintf("%s: tasks get public IP addresses", [input.resource.id]), "path": "network_configuration[0].assign_public_ip"}
}

fail contains result if {
	input.resource.type == "AWS::ECS::Service"
	vpc := lib.obj(object.get(lib.obj(lib.attr("NetworkConfiguration")), "AwsvpcConfiguration", null))
	upper(lib.str(object.get(vpc, "AssignPublicIp", null))) == "ENABLED"
	result := {"msg": sprintf("%s: tasks get public IP addresses", [input.resource.id]), "path": "NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp"}
}
