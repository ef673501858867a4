# METADATA
# title: Security groups do not allow RDP from the internet
# description: >-
#   Port 3389 open to 0.0.0.0/0 or ::/0 exposes Windows Remote Desktop, a prime target of brute
#   force and remote code execution exploits. Rules that open all traffic are reported by PG-
#   AWS-EC2-004 instead.
# custom:
#   id: PG-AWS-EC2-002
#   severity: high
#   resource_types:
#     terraform: [aws_security_group, aws_security_group_rule, aws_vpc_security_group_ingress_rule]
#     cloudformation: ["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"]
#   frameworks:
#     cis-aws: ["5.2", "5.3"]
#     nist-800-53: ["SC-7", "AC-17"]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Restrict the source to known CIDR ranges, or remove the rule and use SSM Session Manager /
#     Fleet Manager or a VPN.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.rdp_open_to_internet

import data.policyguard.lib
import rego.v1

fail contains result if {
	some e in entries
	resolved(e)
	not all_traffic(e)
	hits := matched_ports(e)
	count(hits) > 0
	some s in e.sources
	exposed(s)
	result := object.union(
		{
			"msg": sprintf("%s: ingress from %v allows %s (protocol %v, ports %v-%v)", [input.resource.id, shown(s.cidr), concat(", ", sort(hits)), e.protocol, e.from, e.to]),
			"path": s.path,
		},
		{"fix": f | f := fix_for(e, s)},
	)
}

unknown contains result if {
	some e in entries
	not resolved(e)
	some s in e.sources
	exposed(s)
	result := {
		"msg": sprintf("%s: ingress from %v has an unresolved protocol or port range; it may allow %s", [input.resource.id, shown(s.cidr), "RDP (3389)"]),
		"path": s.path,
		"expr": unresolved_expr(e),
	}
}

matched_ports(e) := {sprintf("%s (%d)", [name, port]) |
	some port, spec in ports
	protocol_matches(e.protocol, spec.protocols)
	num(e.from) <= port
	port <= num(e.to)
	name := spec.name
}

protocol_matches(p, protocols) if lower(sprintf("%v", [p])) in protocols

shown(c) := c if is_string(c)

shown(c) := sprintf("unresolved %s", [lib.unknown_expr(c)]) if lib.is_unknown(c)

ports := {
	3389: {"name": "RDP", "protocols": {"tcp", "6", "udp", "17"}},
}

# ---------------------------------------------------------------------------------------------
# Every ingress permission of this resource, normalised across the five ways to write one:
# {"entry": path of the inline entry or "", "protocol", "from", "to",
#  "sources": [{"cidr": value, "path": attribute path, "key": source attribute, "siblings": n}]}
# ---------------------------------------------------------------------------------------------
entries contains e if {
	input.resource.type == "aws_security_group"
	some i, rule in as_list(input.resource.attributes.ingress)
	usable(rule)
	e := entry(rule, sprintf("ingress[%d]", [i]), "protocol", "from_port", "to_port", ["cidr_blocks", "ipv6_cidr_blocks"])
}

entries contains e if {
	input.resource.type == "aws_security_group_rule"
	input.resource.attributes.type == "ingress"
	e := entry(input.resource.attributes, "", "protocol", "from_port", "to_port", ["cidr_blocks", "ipv6_cidr_blocks"])
}

entries contains e if {
	input.resource.type == "aws_vpc_security_group_ingress_rule"
	e := entry(input.resource.attributes, "", "ip_protocol", "from_port", "to_port", ["cidr_ipv4", "cidr_ipv6"])
}

entries contains e if {
	input.resource.type == "AWS::EC2::SecurityGroup"
	some i, rule in as_list(input.resource.attributes.SecurityGroupIngress)
	usable(rule)
	e := entry(rule, sprintf("SecurityGroupIngress[%d]", [i]), "IpProtocol", "FromPort", "ToPort", ["CidrIp", "CidrIpv6"])
}

entries contains e if {
	input.resource.type == "AWS::EC2::SecurityGroupIngress"
	e := entry(input.resource.attributes, "", "IpProtocol", "FromPort", "ToPort", ["CidrIp", "CidrIpv6"])
}

entry(rule, at, pkey, fkey, tkey, skeys) := {
	"entry": at,
	"rule": rule,
	"protocol": object.get(rule, pkey, null),
	"from": object.get(rule, fkey, null),
	"to": object.get(rule, tkey, null),
	"sources": [s |
		some key in skeys
		value := rule[key]
		some s in sources_of(value, join_path(at, key), key)
	],
}

join_path("", key) := key

join_path(at, key) := sprintf("%s.%s", [at, key]) if at != ""

sources_of(value, path, key) := [{"cidr": c, "path": sprintf("%s[%d]", [path, j]), "key": key, "siblings": count(value)} |
	some j, c in value
] if is_array(value)

sources_of(value, path, key) := [{"cidr": value, "path": path, "key": key, "siblings": 1}] if not is_array(value)

# an ingress list that is unknown as a whole (a dynamic block over a variable) is not skipped
fail contains result if {
	some key in ["ingress", "SecurityGroupIngress"]
	lib.is_unknown(input.resource.attributes[key])
	result := {"msg": sprintf("%s: ingress rules are not resolved", [input.resource.id]), "path": key}
}

# a single unresolved entry of an inline list (e.g. a CloudFormation !If) is judged unknown
fail contains result if {
	some key in ["ingress", "SecurityGroupIngress"]
	some i, rule in as_list(input.resource.attributes[key])
	lib.is_unknown(rule)
	result := {"msg": sprintf("%s: ingress rule %d is not resolved", [input.resource.id, i]), "path": sprintf("%s[%d]", [key, i])}
}

as_list(x) := x if is_array(x)

as_list(x) := [] if not is_array(x)

usable(rule) if {
	is_object(rule)
	not lib.is_unknown(rule)
}

internet := {"0.0.0.0/0", "::/0"}

all_protocols := {"-1", "all", -1}

# the entry opens every port and protocol (or every TCP/UDP port)
all_traffic(e) if e.protocol in all_protocols

all_traffic(e) if {
	lower(sprintf("%v", [e.protocol])) in {"tcp", "6", "udp", "17"}
	num(e.from) <= 0
	num(e.to) >= 65535
}

resolved(e) if {
	not lib.is_unknown(e.protocol)
	not lib.is_unknown(e.from)
	not lib.is_unknown(e.to)
}

unresolved_expr(e) := concat(", ", sort([lib.unknown_expr(x) |
	some x in [e.protocol, e.from, e.to]
	lib.is_unknown(x)
]))

# ports as numbers (CloudFormation often writes them as strings); undefined when not numeric
num(x) := x if is_number(x)

num(x) := to_number(x) if {
	is_string(x)
	regex.match(`^-?[0-9]+$`, x)
}

# a source that is (or may be) the whole internet
exposed(s) if s.cidr in internet

exposed(s) if lib.is_unknown(s.cidr)

# remove just the offending CIDR when others remain; otherwise the whole inline entry, unless
# other kinds of sources (security groups, prefix lists, self) would be lost with it
fix_for(e, s) := {"description": sprintf("Remove %v from %s", [s.cidr, s.key]), "ops": [{"op": "remove", "path": s.path}]} if {
	s.siblings > 1
	not lib.is_unknown(s.cidr)
} else := {"description": sprintf("Remove %s", [s.key]), "ops": [{"op": "remove", "path": join_path(e.entry, s.key)}]} if {
	e.entry != ""
	other_sources(e, s.key)
} else := {"description": "Remove the ingress entry that opens the port to the internet", "ops": [{"op": "remove", "path": e.entry}]} if {
	e.entry != ""
}

other_sources(e, key) if {
	some k in ["cidr_blocks", "ipv6_cidr_blocks", "security_groups", "prefix_list_ids", "self"]
	k != key
	v := e.rule[k]
	v != null
	v != false
	v != []
}
