# METADATA
# title: Subnets do not assign public IP addresses automatically
# description: >-
#   With map_public_ip_on_launch (CloudFormation: MapPublicIpOnLaunch) every instance and
#   network interface launched into the subnet gets a public IPv4 address, whether or not
#   its owner meant to expose it; a security group mistake then reaches the internet
#   directly. The default is off.
# custom:
#   id: PG-AWS-EC2-101
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_subnet]
#     cloudformation: ["AWS::EC2::Subnet"]
#   frameworks:
#     nist-800-53: ["SC-7"]
#     pci-dss-4.0: ["1.3.2"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Set map_public_ip_on_launch = false and give the few instances that must be public
#     an address explicitly (associate_public_ip_address, an Elastic IP), or front them
#     with a load balancer.
#   fixable: false
package policyguard.rules.aws.ec2.subnet_public_ip_on_launch

import data.policyguard.lib
import rego.v1

keys := {"aws_subnet": "map_public_ip_on_launch", "AWS::EC2::Subnet": "MapPublicIpOnLaunch"}

fail contains result if {
	key := keys[input.resource.type]
	lib.truthy(lib.attr(key))
	result := {"msg": sprintf("%s: instances launched into the subnet get a public IP address", [input.resource.id]), "path": key}
}

fail contains result if {
	key := keys[input.resource.type]
	lib.is_unknown(lib.attr(key))
	result := {"msg": sprintf("%s: whether the subnet assigns public IP addresses is not resolved", [input.resource.id]), "path": key}
}
