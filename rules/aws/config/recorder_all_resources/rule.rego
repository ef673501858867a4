# METADATA
# title: AWS Config records every supported resource type, global ones included
# description: >-
#   A recorder limited to chosen resource types misses changes to everything else, and
#   without global resource types it misses IAM users, roles and policies. CIS AWS asks for
#   all_supported = true (the default) and include_global_resource_types = true (default
#   false) in the recording group; an absent recording_group / RecordingGroup gets the
#   defaults and so fails on the global types.
# custom:
#   id: PG-AWS-CONFIG-001
#   severity: medium
#   profile: baseline
#   confidence: medium
#   resource_types:
#     terraform: [aws_config_configuration_recorder]
#     cloudformation: ["AWS::Config::ConfigurationRecorder"]
#   frameworks:
#     cis-aws: ["3.3"]
#     nist-800-53: ["CM-8", "CM-3"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.1"]
#   remediation: >-
#     Set recording_group { all_supported = true, include_global_resource_types = true }
#     (CloudFormation: RecordingGroup with AllSupported and IncludeGlobalResourceTypes true).
#   fixable: false
package policyguard.rules.aws.config.recorder_all_resources

import data.policyguard.lib
import rego.v1

names := {
	"terraform": {"group": "recording_group", "all": "all_supported", "global": "include_global_resource_types"},
	"cloudformation": {"group": "RecordingGroup", "all": "AllSupported", "global": "IncludeGlobalResourceTypes"},
}

k := names[input.resource.platform]

# Terraform writes the block as a list, CloudFormation as an object
group := g if {
	input.resource.platform == "terraform"
	g := lib.first(lib.attr(k.group))
} else := lib.attr(k.group)

group_path := sprintf("%s[0]", [k.group]) if input.resource.platform == "terraform"

group_path := k.group if input.resource.platform == "cloudformation"

fail contains result if {
	group == null
	result := {
		"msg": sprintf("%s: no %s: the recorder leaves out global resource types (IAM) by default", [input.resource.id, k.group]),
		"path": k.group,
	}
}

fail contains result if {
	lib.is_unknown(lib.attr(k.group))
	result := {"msg": sprintf("%s: %s is not resolved", [input.resource.id, k.group]), "path": k.group}
}

fail contains result if {
	is_object(group)
	not lib.is_unknown(group)
	v := object.get(group, k.all, true)
	v != null
	not lib.truthy(v)
	result := {
		"msg": sprintf("%s: the recorder records only chosen resource types (%s is %s)", [input.resource.id, k.all, json.marshal(v)]),
		"path": sprintf("%s.%s", [group_path, k.all]),
	}
}

fail contains result if {
	is_object(group)
	not lib.is_unknown(group)
	not lib.truthy(object.get(group, k.global, null))
	result := {
		"msg": sprintf("%s: global resource types such as IAM are not recorded (%s is %s)", [input.resource.id, k.global, describe(group, k.global)]),
		"path": sprintf("%s.%s", [group_path, k.global]),
	}
}

describe(obj, key) := json.marshal(obj[key]) if lib.has(obj, key)

describe(obj, key) := "not set, default false" if not lib.has(obj, key)
