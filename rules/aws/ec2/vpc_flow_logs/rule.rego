# METADATA
# title: VPCs have flow logs enabled
# description: >-
#   VPC flow logs record accepted and rejected connections for every network interface in the
#   VPC; without them there is no record of which hosts talked to which, or of scans and
#   exfiltration attempts. A VPC passes when a flow log in the same configuration targets it.
# custom:
#   id: PG-AWS-EC2-011
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_vpc, aws_default_vpc]
#     cloudformation: ["AWS::EC2::VPC"]
#   frameworks:
#     cis-aws: ["3.7"]
#     nist-800-53: ["AU-12", "SI-4"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add an aws_flow_log (CloudFormation: AWS::EC2::FlowLog with ResourceType VPC) for the VPC
#     that delivers at least REJECT traffic (ALL recommended) to CloudWatch Logs or S3.
#   fixable: false
package policyguard.rules.aws.ec2.vpc_flow_logs

import rego.v1

fail contains result if {
	not has_flow_log
	result := {
		"msg": sprintf("%s: no flow log captures this VPC's traffic", [input.resource.id]),
		"path": "",
	}
}

flow_log_types := {"aws_flow_log", "AWS::EC2::FlowLog"}

# linked by reference (vpc_id = aws_vpc.x.id / ResourceId: !Ref Vpc)
has_flow_log if {
	some ref in input.resource.referenced_by
	source := object.get(ref, "source", ref.target)
	input.resources[source].type in flow_log_types
	ref.path in {"vpc_id", "ResourceId"}
}

# or naming the VPC id literally (aws_default_vpc / imported VPCs)
has_flow_log if {
	vpc_id := input.resource.attributes.id
	is_string(vpc_id)
	some r in input.resources
	r.type in flow_log_types
	vpc_id in {r.attributes.vpc_id, r.attributes.ResourceId}
}
