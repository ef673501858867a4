# METADATA
# title: Security groups do not allow all traffic from the internet
# description: >-
#   An ingress rule with protocol -1 (or every TCP/UDP port) from 0.0.0.0/0 or ::/0 exposes
#   every listening service of every attached network interface.
# custom:
#   id: PG-AWS-EC2-004
#   severity: critical
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
#     Replace the rule with rules for the specific ports the service needs, from the narrowest
#     sources possible.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.all_traffic_open_to_internet

import data.policyguard.net_exposure as net
import rego.v1

# net_exposure: the resource's ingress entries, its group and their exposures, computed once per
# resource for PG-AWS-EC2-001..004; sg_judge judges them against this rule's ports
# entries that open every port and protocol (or every TCP/UDP port)
ports := "all"

what := "all traffic"

judged := net.sg_judge(ports, what)

fail contains result if some result in judged.fail

unknown contains result if some result in judged.unknown

# an ingress list that is unknown as a whole (a dynamic block over a variable), or a single
# unresolved entry of an inline list (e.g. a CloudFormation !If), is not skipped: judged unknown
fail contains result if some result in net.sg_unresolved
