# METADATA
# title: Security groups do not allow SSH from the internet
# description: >-
#   Port 22 open to 0.0.0.0/0 or ::/0 exposes SSH to constant credential stuffing and exploit
#   scans. Covers inline ingress blocks, aws_security_group_rule,
#   aws_vpc_security_group_ingress_rule and CloudFormation security groups and ingress
#   resources. Rules that open all traffic are reported by PG-AWS-EC2-004 instead.
# custom:
#   id: PG-AWS-EC2-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_security_group, aws_security_group_rule, aws_vpc_security_group_ingress_rule]
#     cloudformation: ["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"]
#   frameworks:
#     cis-aws: ["5.2", "5.3"]
#     nist-800-53: ["SC-7", "AC-17"]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Restrict the source to known CIDR ranges or a bastion security group, or remove the rule
#     and use SSM Session Manager or EC2 Instance Connect Endpoint.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.ssh_open_to_internet

import data.policyguard.net_exposure as net
import rego.v1

# net_exposure: the resource's ingress entries, its group and their exposures, computed once per
# resource for PG-AWS-EC2-001..004; sg_judge judges them against this rule's ports
# the ports this rule watches, with the protocols that reach them
ports := {
	22: {"name": "SSH", "protocols": {"tcp", "6"}},
}

what := "SSH (22)"

judged := net.sg_judge(ports, what)

fail contains result if some result in judged.fail

unknown contains result if some result in judged.unknown

# an ingress list that is unknown as a whole (a dynamic block over a variable), or a single
# unresolved entry of an inline list (e.g. a CloudFormation !If), is not skipped: judged unknown
fail contains result if some result in net.sg_unresolved
