# METADATA
# title: EC2 instances require IMDSv2 session tokens
# description: >-
#   IMDSv1 answers any GET to 169.254.169.254, so an SSRF bug in an application on the instance
#   can read the instance role's credentials. Requiring session tokens (IMDSv2) blocks that.
#   Instances and templates with the metadata endpoint disabled pass. An instance launched from a
#   launch template defined in the same scan, with no metadata options of its own, inherits the
#   template's (AWS applies the template's settings unless the instance overrides them): the
#   template is judged, not the instance.
# custom:
#   id: PG-AWS-EC2-006
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_instance, aws_launch_template, aws_launch_configuration]
#     cloudformation: ["AWS::EC2::LaunchTemplate", "AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration"]
#   frameworks:
#     cis-aws: ["5.6"]
#     nist-800-53: ["AC-3", "SC-7"]
#   remediation: >-
#     Add metadata_options { http_tokens = "required" } (CloudFormation:
#     MetadataOptions.HttpTokens: required on the instance, LaunchTemplateData or launch
#     configuration).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.imdsv2_required

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_instance", "aws_launch_template", "aws_launch_configuration"}
	not input.resource.attributes.metadata_options[0].http_endpoint == "disabled"
	not value_0 == "required"
	not inherits_scanned_template("metadata_options", {"launch_template[0].id", "launch_template[0].name"}, "aws_launch_template")
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "IMDSv1 is allowed (http_tokens is not \"required\")", describe([v | v := input.resource.attributes.metadata_options[0].http_tokens])]),
		"path": path_0,
		"fix": {"description": "Require IMDSv2 session tokens", "ops": [fix_op_0]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::EC2::LaunchTemplate"}
	not input.resource.attributes.LaunchTemplateData.MetadataOptions.HttpEndpoint == "disabled"
	not value_1 == "required"
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "IMDSv1 is allowed (HttpTokens is not \"required\")", describe([v | v := input.resource.attributes.LaunchTemplateData.MetadataOptions.HttpTokens])]),
		"path": path_1,
		"fix": {"description": "Require IMDSv2 session tokens", "ops": [fix_op_1]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration"}
	not input.resource.attributes.MetadataOptions.HttpEndpoint == "disabled"
	not value_2 == "required"
	not inherits_scanned_template("MetadataOptions", {"LaunchTemplate.LaunchTemplateId", "LaunchTemplate.LaunchTemplateName"}, "AWS::EC2::LaunchTemplate")
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "IMDSv1 is allowed (HttpTokens is not \"required\")", describe([v | v := input.resource.attributes.MetadataOptions.HttpTokens])]),
		"path": path_2,
		"fix": {"description": "Require IMDSv2 session tokens", "ops": [fix_op_2]}
	}
}

# where target 0 is judged: the attribute, or the enclosing block when that is missing
path_0 := "metadata_options[0].http_tokens" if {
	_ = input.resource.attributes.metadata_options[0]
} else := "metadata_options"

fix_op_0 := {"op": "set", "path": "metadata_options[0].http_tokens", "value": "required"} if {
	_ = input.resource.attributes.metadata_options[0]
} else := {"op": "set", "path": "metadata_options", "value": [{"http_tokens": "required"}]}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.metadata_options[0].http_tokens
} else := null

# where target 1 is judged: the attribute, or the enclosing block when that is missing
path_1 := "LaunchTemplateData.MetadataOptions.HttpTokens" if {
	_ = input.resource.attributes.LaunchTemplateData.MetadataOptions
} else := "LaunchTemplateData.MetadataOptions"

fix_op_1 := {"op": "set", "path": "LaunchTemplateData.MetadataOptions.HttpTokens", "value": "required"} if {
	_ = input.resource.attributes.LaunchTemplateData.MetadataOptions
} else := {"op": "set", "path": "LaunchTemplateData.MetadataOptions", "value": {"HttpTokens": "required"}}

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.LaunchTemplateData.MetadataOptions.HttpTokens
} else := null

# where target 2 is judged: the attribute, or the enclosing block when that is missing
path_2 := "MetadataOptions.HttpTokens" if {
	_ = input.resource.attributes.MetadataOptions
} else := "MetadataOptions"

fix_op_2 := {"op": "set", "path": "MetadataOptions.HttpTokens", "value": "required"} if {
	_ = input.resource.attributes.MetadataOptions
} else := {"op": "set", "path": "MetadataOptions", "value": {"HttpTokens": "required"}}

# the judged value of target 2, null when absent (portable: no undefined arguments under `not`)
value_2 := v if {
	v := input.resource.attributes.MetadataOptions.HttpTokens
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

# the instance sets no metadata options and names a launch template of this scan, which is
# judged itself (a template outside the scan cannot be checked: the instance is judged as is)
inherits_scanned_template(key, paths, template_type) if {
	input.resource.type in {"aws_instance", "AWS::EC2::Instance"}
	not lib.has(input.resource.attributes, key)
	some ref in input.resource.references
	ref.path in paths
	input.resources[ref.target].type == template_type
}
