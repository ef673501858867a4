# METADATA
# title: ECS task definitions do not use the host network
# description: >-
#   With network_mode = host (CloudFormation: NetworkMode) the task's containers share the
#   container instance's network stack: they can bind any host port, reach services
#   listening on localhost (including the instance metadata service without a hop), and
#   bypass awsvpc security groups.
# custom:
#   id: PG-AWS-ECS-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_ecs_task_definition]
#     cloudformation: ["AWS::ECS::TaskDefinition"]
#   frameworks:
#     nist-800-53: ["AC-6", "CM-7"]
#     soc2: ["CC6.8"]
#   remediation: >-
#     Use the awsvpc network mode (the only one Fargate supports) or bridge with explicit
#     port mappings.
#   fixable: false
package policyguard.rules.aws.ecs.host_network

import data.policyguard.lib
import rego.v1

keys := {"aws_ecs_task_definition": "network_mode", "AWS::ECS::TaskDefinition": "NetworkMode"}

fail contains result if {
	key := keys[input.resource.type]
	lower(lib.str(lib.attr(key))) == "host"
	result := {"msg": sprintf("%s: the task uses the host's network namespace (network_mode host)", [input.resource.id]), "path": key}
}

fail contains result if {
	key := keys[input.resource.type]
	lib.is_unknown(lib.attr(key))
	result := {"msg": sprintf("%s: the task's %s is not resolved", [input.resource.id, key]), "path": key}
}
