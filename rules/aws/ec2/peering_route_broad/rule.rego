# METADATA
# title: Routes to VPC peering connections are narrower than the whole address space
# description: >-
#   A route that sends 0.0.0.0/0 or ::/0 (or another very broad range) through a VPC peering
#   connection makes every destination reachable through the peer instead of only the peer's
#   CIDR: least-access routing for peering names the peer's ranges.
# custom:
#   id: PG-AWS-EC2-106
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_route, aws_route_table]
#     cloudformation: ["AWS::EC2::Route"]
#   frameworks:
#     cis-aws: ["5.5"]
#     nist-800-53: ["SC-7"]
#   remediation: >-
#     Route only the peer VPC's CIDR blocks (or the subnets that must talk) through the peering
#     connection.
#   fixable: false
package policyguard.rules.aws.ec2.peering_route_broad

import data.policyguard.lib
import rego.v1

# (path, route object) of every route in the resource
routes contains [path, r] if {
	input.resource.type == "aws_route"
	r := lib.obj(input.resource.attributes)
	path := ""
}

routes contains [path, r] if {
	input.resource.type == "aws_route_table"
	some i, r0 in lib.arr(object.get(lib.obj(input.resource.attributes), "route", null))
	r := lib.obj(r0)
	path := sprintf("route[%d].", [i])
}

routes contains [path, r] if {
	input.resource.type == "AWS::EC2::Route"
	r := lib.obj(input.resource.attributes)
	path := ""
}

# any value counts, a reference to a peering connection defined elsewhere included
peering(r) if {
	some k in ["vpc_peering_connection_id", "VpcPeeringConnectionId"]
	v := object.get(r, k, null)
	v != null
	v != ""
}

broad := {"0.0.0.0/0", "::/0"}

dest_keys := ["cidr_block", "destination_cidr_block", "ipv6_cidr_block", "destination_ipv6_cidr_block", "DestinationCidrBlock", "DestinationIpv6CidrBlock"]

fail contains result if {
	some [path, r] in routes
	peering(r)
	some k in dest_keys
	v := object.get(r, k, null)
	is_string(v)
	v in broad
	result := {
		"msg": sprintf("%s: %s routes %s through a VPC peering connection", [input.resource.id, k, v]),
		"path": concat("", [path, k]),
	}
}
