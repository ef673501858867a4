# METADATA
# title: ECS task definitions do not share the host's process namespace
# description: >-
#   With pid_mode = host (CloudFormation: PidMode) the task's containers see every process
#   on the container instance and can signal or trace them, reading other tasks' memory and
#   environment.
# custom:
#   id: PG-AWS-ECS-003
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
#     Remove pid_mode (or set task) so that the task gets its own process namespace.
#   fixable: false
package policyguard.rules.aws.ecs.host_pid

import data.policyguard.lib
import rego.v1

keys := {"aws_ecs_task_definition": "pid_mode", "AWS::ECS::TaskDefinition": "PidMode"}

fail contains result if {
	key := keys[input.resource.type]
	lower(lib.str(lib.attr(key))) == "host"
	result := {"msg": sprintf("%s: the task shares the host's process namespace (pid_mode host)", [input.resource.id]), "path": key}
}

fail contains result if {
	key := keys[input.resource.type]
	lib.is_unknown(lib.attr(key))
	result := {"msg": sprintf("%s: the task's %s is not resolved", [input.resource.id, key]), "path": key}
}
