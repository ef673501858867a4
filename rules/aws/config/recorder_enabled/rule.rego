# METADATA
# title: AWS Config recorders are started
# description: >-
#   In Terraform an aws_config_configuration_recorder does not record anything until an
#   aws_config_configuration_recorder_status with is_enabled = true starts it: a recorder
#   without one looks deployed and records nothing. The recorder passes when a status resource
#   of the unit names it (by reference or literal name) and is enabled; the status resource
#   fails on its own when is_enabled is false. CloudFormation recorders have no separate
#   status resource and are not judged here.
# custom:
#   id: PG-AWS-CONFIG-002
#   severity: medium
#   profile: baseline
#   confidence: medium
#   resource_types:
#     terraform: [aws_config_configuration_recorder, aws_config_configuration_recorder_status]
#   frameworks:
#     cis-aws: ["3.3"]
#     nist-800-53: ["CM-8", "CM-3"]
#     soc2: ["CC7.1"]
#   remediation: >-
#     Add an aws_config_configuration_recorder_status with name set to the recorder's name and
#     is_enabled = true (it needs a delivery channel: depends_on the
#     aws_config_delivery_channel).
#   fixable: false
package policyguard.rules.aws.config.recorder_enabled

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_config_configuration_recorder"
	count(statuses) == 0
	result := {
		"msg": sprintf("%s: no aws_config_configuration_recorder_status starts this recorder, so it records nothing", [input.resource.id]),
		"path": "",
	}
}

fail contains result if {
	input.resource.type == "aws_config_configuration_recorder_status"
	v := lib.attr("is_enabled")
	not lib.truthy(v)
	result := {
		"msg": sprintf("%s: the configuration recorder is stopped (is_enabled is %s)", [input.resource.id, json.marshal(v)]),
		"path": "is_enabled",
	}
}

# status resources that point at this recorder (whatever their is_enabled: they fail on their own)
statuses contains id if {
	some ref in lib.coll(input.resource.referenced_by)
	ref.path == "name"
	id := object.get(ref, "source", ref.target)
	input.resources[id].type == "aws_config_configuration_recorder_status"
}

statuses contains id if {
	name := lib.attr("name")
	is_string(name)
	some id, r in input.resources
	r.type == "aws_config_configuration_recorder_status"
	object.get(lib.obj(r.attributes), "name", null) == name
}

# the recorder's default name is "default"
statuses contains id if {
	lib.attr("name") == null
	some id, r in input.resources
	r.type == "aws_config_configuration_recorder_status"
	object.get(lib.obj(r.attributes), "name", null) == "default"
}
