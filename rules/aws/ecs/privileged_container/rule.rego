# METADATA
# title: ECS task definitions do not run privileged containers
# description: >-
#   A privileged container gets every Linux capability and access to the host's devices: a
#   process that escapes it controls the container instance and every other task on it,
#   along with the instance role.
# custom:
#   id: PG-AWS-ECS-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_ecs_task_definition]
#     cloudformation: ["AWS::ECS::TaskDefinition"]
#   frameworks:
#     nist-800-53: ["AC-6", "CM-7"]
#     soc2: ["CC6.8"]
#   remediation: >-
#     Remove privileged (CloudFormation: Privileged) and add only the Linux capabilities
#     the container needs through linuxParameters.capabilities.
#   fixable: false
package policyguard.rules.aws.ecs.privileged_container

import data.policyguard.lib
import rego.v1

fail contains result if {
	some ct in containers
	lib.truthy(object.get(ct.c, ct.keys.privileged, null))
	result := {"msg": sprintf("%s: %s runs privileged", [input.resource.id, cname(ct)]), "path": field_path(ct, ct.keys.privileged)}
}

fail contains result if {
	input.resource.type == "aws_ecs_task_definition"
	lib.is_unknown(lib.attr("container_definitions"))
	result := {"msg": sprintf("%s: the container definitions are not resolved", [input.resource.id]), "path": "container_definitions"}
}

# container definitions of a task definition: Terraform's JSON string (jsonencode or a heredoc),
# CloudFormation's list; {"c": container, "path": where a result points, "keys": field names}
containers contains {"c": c, "path": "container_definitions", "keys": tf_keys} if {
	input.resource.type == "aws_ecs_task_definition"
	defs := lib.attr("container_definitions")
	is_string(defs)
	json.is_valid(defs)
	some c in lib.arr(json.unmarshal(defs))
	is_object(c)
}

containers contains {"c": c, "path": sprintf("ContainerDefinitions[%d]", [i]), "keys": cfn_keys} if {
	input.resource.type == "AWS::ECS::TaskDefinition"
	some i, c in lib.arr(lib.attr("ContainerDefinitions"))
	is_object(c)
	not lib.is_unknown(c)
}

tf_keys := {"name": "name", "privileged": "privileged", "environment": "environment", "env_name": "name", "env_value": "value"}

cfn_keys := {"name": "Name", "privileged": "Privileged", "environment": "Environment", "env_name": "Name", "env_value": "Value"}

field_path(ct, key) := ct.path if ct.path == "container_definitions"

field_path(ct, key) := sprintf("%s.%s", [ct.path, key]) if ct.path != "container_definitions"

cname(ct) := sprintf("container %q", [n]) if {
	n := object.get(ct.c, ct.keys.name, null)
	is_string(n)
} else := "a container"
