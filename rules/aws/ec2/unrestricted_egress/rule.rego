# METADATA
# title: Security groups do not allow all outbound traffic to the internet
# description: >-
#   An egress rule for every protocol and port (or every TCP/UDP port) to 0.0.0.0/0 or ::/0
#   lets a compromised instance reach any host: command and control, data exfiltration,
#   crypto-mining pools. Ranges that together cover every address (0.0.0.0/1 + 128.0.0.0/1)
#   count as the whole internet. CloudFormation groups without SecurityGroupEgress get AWS's
#   allow-all default and are not reported (only what the template writes is judged);
#   Terraform groups without egress blocks have no egress at all.
# custom:
#   id: PG-AWS-EC2-100
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_security_group, aws_security_group_rule, aws_vpc_security_group_egress_rule]
#     cloudformation: ["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupEgress"]
#   frameworks:
#     nist-800-53: ["SC-7"]
#     pci-dss-4.0: ["1.3.2"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Replace the rule with egress rules for the ports and destinations the workload needs
#     (HTTPS to a proxy or VPC endpoints, the database's security group).
#   fixable: false
package policyguard.rules.aws.ec2.unrestricted_egress

import data.policyguard.lib
import rego.v1

fail contains result if {
	some e in entries
	all_traffic(e)
	open := open_destinations(e)
	count(open) > 0
	result := {
		"msg": sprintf("%s: egress to %s allows all outbound traffic", [input.resource.id, texts(open)]),
		"path": open[0].path,
	}
}

texts(open) := concat(", ", [o.text | some o in open])

# the destinations of an entry that are every address (alone or with the entry's other ranges)
open_destinations(e) := [o |
	xs := lib.exposure([s.cidr | some s in e.sources], set(), false)
	some s in e.sources
	xs[s.cidr].kind in {"all", "combined"}
	o := {"path": s.path, "text": concat("", [s.cidr, lib.exposure_text(xs[s.cidr], "with the rule's other destinations")])}
]

# every egress permission of the resource: {"protocol", "from", "to", "sources": [{"cidr", "path"}]}
entries contains e if {
	input.resource.type == "aws_security_group"
	some i, r in lib.arr(lib.attr("egress"))
	is_object(r)
	e := entry(r, sprintf("egress[%d].", [i]), "protocol", ["cidr_blocks", "ipv6_cidr_blocks"])
}

entries contains e if {
	input.resource.type == "aws_security_group_rule"
	lib.attr("type") == "egress"
	e := entry(input.resource.attributes, "", "protocol", ["cidr_blocks", "ipv6_cidr_blocks"])
}

entries contains e if {
	input.resource.type == "aws_vpc_security_group_egress_rule"
	e := entry(input.resource.attributes, "", "ip_protocol", ["cidr_ipv4", "cidr_ipv6"])
}

entries contains e if {
	input.resource.type == "AWS::EC2::SecurityGroup"
	some i, r in lib.arr(lib.attr("SecurityGroupEgress"))
	is_object(r)
	e := entry(r, sprintf("SecurityGroupEgress[%d].", [i]), "IpProtocol", ["CidrIp", "CidrIpv6"])
}

entries contains e if {
	input.resource.type == "AWS::EC2::SecurityGroupEgress"
	e := entry(input.resource.attributes, "", "IpProtocol", ["CidrIp", "CidrIpv6"])
}

entry(r, at, pkey, skeys) := {
	"protocol": object.get(r, pkey, null),
	"from": object.get(r, port_key(pkey, "from"), null),
	"to": object.get(r, port_key(pkey, "to"), null),
	"sources": [s | some key in skeys; some s in sources(object.get(r, key, null), concat("", [at, key]))],
}

port_key(pkey, "from") := "FromPort" if pkey == "IpProtocol"

port_key(pkey, "to") := "ToPort" if pkey == "IpProtocol"

port_key(pkey, "from") := "from_port" if pkey != "IpProtocol"

port_key(pkey, "to") := "to_port" if pkey != "IpProtocol"

sources(v, path) := [{"cidr": c, "path": sprintf("%s[%d]", [path, i])} | some i, c in v; is_string(c)] if is_array(v)

sources(v, path) := [{"cidr": v, "path": path}] if is_string(v)

sources(v, path) := [] if {
	not is_array(v)
	not is_string(v)
}

all_traffic(e) if lower(sprintf("%v", [e.protocol])) in {"-1", "all"}

all_traffic(e) if {
	lower(sprintf("%v", [e.protocol])) in {"tcp", "6", "udp", "17"}
	num(e.from) <= 0
	num(e.to) >= 65535
}

num(x) := x if is_number(x)

num(x) := to_number(x) if {
	is_string(x)
	regex.match(`^-?[0-9]+$`, x)
}
