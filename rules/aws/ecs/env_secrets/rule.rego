# METADATA
# title: ECS container definitions do not hold secrets in plain environment variables
# description: >-
#   Environment values of a task definition are stored in clear text, shown in the console
#   and API to anyone who can describe task definitions, and kept in every revision. A value
#   that looks like a credential, or a literal under a secret-like name (PASSWORD, TOKEN,
#   API_KEY...), belongs in the secrets list instead. A name heuristic: a pointer (an ARN,
#   an SSM path, a {{resolve:...}} reference) is not reported.
# custom:
#   id: PG-AWS-ECS-004
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [aws_ecs_task_definition]
#     cloudformation: ["AWS::ECS::TaskDefinition"]
#   frameworks:
#     nist-800-53: ["IA-5", "SC-28"]
#     pci-dss-4.0: ["8.3.2"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Move the value to Secrets Manager or SSM Parameter Store and reference it in the
#     container's secrets (valueFrom) instead of environment.
#   fixable: false
package policyguard.rules.aws.ecs.env_secrets

import data.policyguard.lib
import rego.v1

fail contains result if {
	some ct in containers
	some i, e in lib.arr(object.get(ct.c, ct.keys.environment, null))
	name := object.get(lib.obj(e), ct.keys.env_name, null)
	value := object.get(lib.obj(e), ct.keys.env_value, null)
	is_string(name)
	is_string(value)
	reason := lib.env_secret_reason(name, value)
	result := {"msg": sprintf("%s: environment variable %s of %s %s (value not shown)", [input.resource.id, name, cname(ct), reason]), "path": env_path(ct, i)}
}

env_path(ct, i) := ct.path if ct.path == "container_definitions"

env_path(ct, i) := sprintf("%s.%s[%d].%s", [ct.path, ct.keys.environment, i, ct.keys.env_value]) if ct.path != "container_definitions"

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
