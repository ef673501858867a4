# METADATA
# title: MSK clusters are not publicly accessible
# description: >-
#   connectivity_info.public_access.type = SERVICE_PROVIDED_EIPS (CloudFormation:
#   ConnectivityInfo.PublicAccess.Type) gives every broker a public IP address: the cluster
#   is then reachable from the internet, limited only by its security groups and client
#   authentication.
# custom:
#   id: PG-AWS-MSK-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_msk_cluster]
#     cloudformation: ["AWS::MSK::Cluster"]
#   frameworks:
#     nist-800-53: ["AC-3", "SC-7"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Set public_access type = "DISABLED" and reach the cluster through the VPC, VPC
#     peering, PrivateLink or multi-VPC connectivity.
#   fixable: false
package policyguard.rules.aws.msk.public_access

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_msk_cluster"
	info := lib.first(lib.attr("broker_node_group_info"))
	conn := lib.first(object.get(lib.obj(info), "connectivity_info", null))
	pa := lib.first(object.get(lib.obj(conn), "public_access", null))
	upper(lib.str(object.get(lib.obj(pa), "type", null))) == "SERVICE_PROVIDED_EIPS"
	result := {"msg": sprintf("%s: brokers have public IP addresses", [input.resource.id]), "path": "broker_node_group_info[0].connectivity_info[0].public_access[0].type"}
}

fail contains result if {
	input.resource.type == "AWS::MSK::Cluster"
	info := lib.obj(lib.attr("BrokerNodeGroupInfo"))
	pa := lib.obj(object.get(lib.obj(object.get(info, "ConnectivityInfo", null)), "PublicAccess", null))
	upper(lib.str(object.get(pa, "Type", null))) == "SERVICE_PROVIDED_EIPS"
	result := {"msg": sprintf("%s: brokers have public IP addresses", [input.resource.id]), "path": "BrokerNodeGroupInfo.ConnectivityInfo.PublicAccess.Type"}
}
