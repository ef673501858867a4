# METADATA
# title: The instance metadata response hop limit is 1
# description: >-
#   A PUT response hop limit above 1 lets IMDSv2 session tokens travel beyond the instance's
#   own network stack: containers behind a bridge network, or a forwarding proxy on the
#   host, can then fetch the instance role's credentials. The default (1) passes; hosts
#   whose containers must reach the metadata service need 2 and can keep it as a reviewed
#   exception.
# custom:
#   id: PG-AWS-EC2-103
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_instance, aws_launch_template]
#     cloudformation: ["AWS::EC2::LaunchTemplate", "AWS::EC2::Instance"]
#   frameworks:
#     nist-800-53: ["AC-6", "SC-7"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set metadata_options { http_put_response_hop_limit = 1 } (CloudFormation:
#     MetadataOptions.HttpPutResponseHopLimit: 1) and give containers their own
#     credentials (ECS task roles, EKS Pod Identity or IRSA).
#   fixable: false
package policyguard.rules.aws.ec2.imds_hop_limit

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type in {"aws_instance", "aws_launch_template"}
	opts := lib.first(lib.attr("metadata_options"))
	v := object.get(lib.obj(opts), "http_put_response_hop_limit", null)
	num(v) > 1
	result := {"msg": sprintf("%s: the metadata response hop limit is %v", [input.resource.id, v]), "path": "metadata_options[0].http_put_response_hop_limit"}
}

fail contains result if {
	opts := cfn_options
	v := object.get(opts.block, "HttpPutResponseHopLimit", null)
	num(v) > 1
	result := {"msg": sprintf("%s: the metadata response hop limit is %v", [input.resource.id, v]), "path": concat(".", [opts.path, "HttpPutResponseHopLimit"])}
}

cfn_options := {"block": lib.obj(object.get(lib.obj(lib.attr("LaunchTemplateData")), "MetadataOptions", null)), "path": "LaunchTemplateData.MetadataOptions"} if {
	input.resource.type == "AWS::EC2::LaunchTemplate"
}

cfn_options := {"block": lib.obj(lib.attr("MetadataOptions")), "path": "MetadataOptions"} if {
	input.resource.type == "AWS::EC2::Instance"
}

num(x) := x if is_number(x)

num(x) := to_number(x) if {
	is_string(x)
	regex.match(`^[0-9]+$`, x)
}
