# METADATA
# title: EKS managed node groups do not open SSH to the internet
# description: >-
#   A managed node group with remote_access.ec2_ssh_key (CloudFormation:
#   RemoteAccess.Ec2SshKey) and no source security groups gets a security group that allows
#   port 22 from 0.0.0.0/0 on every node, as the EKS API documents.
# custom:
#   id: PG-AWS-EKS-100
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_eks_node_group]
#     cloudformation: ["AWS::EKS::Nodegroup"]
#   frameworks:
#     nist-800-53: ["SC-7", "AC-17"]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Add source_security_group_ids (CloudFormation: RemoteAccess.SourceSecurityGroups)
#     naming a bastion's security group, or drop remote_access and use SSM Session
#     Manager.
#   fixable: false
package policyguard.rules.aws.eks.node_group_ssh_open

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_eks_node_group"
	ra := lib.first(lib.attr("remote_access"))
	not object.get(lib.obj(ra), "ec2_ssh_key", null) in {null, ""}
	groups := object.get(lib.obj(ra), "source_security_group_ids", null)
	not lib.is_unknown(groups)
	count(lib.coll(groups)) == 0
	result := {"msg": sprintf("%s: SSH key %v is set without source security groups: port 22 is open to the internet", [input.resource.id, ra.ec2_ssh_key]), "path": "remote_access[0].source_security_group_ids"}
}

fail contains result if {
	input.resource.type == "AWS::EKS::Nodegroup"
	ra := lib.obj(lib.attr("RemoteAccess"))
	not object.get(ra, "Ec2SshKey", null) in {null, ""}
	groups := object.get(ra, "SourceSecurityGroups", null)
	not lib.is_unknown(groups)
	count(lib.coll(groups)) == 0
	result := {"msg": sprintf("%s: SSH key %v is set without source security groups: port 22 is open to the internet", [input.resource.id, ra.Ec2SshKey]), "path": "RemoteAccess.SourceSecurityGroups"}
}
