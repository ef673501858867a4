# METADATA
# title: Workloads are not placed in the default VPC
# description: >-
#   The default VPC and its default subnets are public by construction: every subnet has a
#   route to an internet gateway and assigns public IP addresses, and the network is shared
#   by everything nobody placed elsewhere. An aws_default_vpc or aws_default_subnet that
#   other resources use (instances, load balancers, security groups, subnets of a DB subnet
#   group) is reported; adopting the default VPC only to lock it down
#   (aws_default_security_group, aws_default_network_acl, aws_default_route_table, flow
#   logs) is not.
# custom:
#   id: PG-AWS-EC2-102
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_default_vpc, aws_default_subnet]
#   frameworks:
#     nist-800-53: ["SC-7"]
#     pci-dss-4.0: ["1.3.2"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Create a dedicated VPC with private subnets for the workload, and keep the default
#     VPC empty (or delete it).
#   fixable: false
package policyguard.rules.aws.ec2.default_vpc_in_use

import data.policyguard.lib
import rego.v1

# resources that manage or watch the default VPC rather than run in it
lockdown := {
	"aws_default_security_group", "aws_default_network_acl", "aws_default_route_table",
	"aws_flow_log", "aws_default_subnet", "aws_default_vpc_dhcp_options",
}

fail contains result if {
	users := [u | some ref in lib.arr(input.resource.referenced_by); u := users_of(ref)]
	count(users) > 0
	result := {"msg": sprintf("%s: the default VPC network is used by %s", [input.resource.id, concat(", ", sort({u | some u in users}))]), "path": ""}
}

users_of(ref) := ref.source if {
	src := input.resources[ref.source]
	not src.type in lockdown
}
