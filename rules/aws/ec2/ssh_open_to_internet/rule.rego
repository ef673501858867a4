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

import data.policyguard.lib
import rego.v1

fail contains result if {
	some e in entries
	resolved(e)
	not all_traffic(e)
	hits := matched_ports(e)
	count(hits) > 0
	xs := exposures(e)
	some s in e.sources
	exposed(xs, s)
	result := object.union(
		{
			"msg": sprintf("%s: ingress from %v%s allows %s (protocol %v, ports %v-%v)", [input.resource.id, shown(s.cidr), reach(xs, s), concat(", ", sort(hits)), e.protocol, e.from, e.to]),
			"path": s.path,
		},
		{"fix": f | f := fix_for(e, s)},
	)
}

unknown contains result if {
	some e in entries
	not resolved(e)
	xs := exposures(e)
	some s in e.sources
	exposed(xs, s)
	result := {
		"msg": sprintf("%s: ingress from %v has an unresolved protocol or port range; it may allow %s", [input.resource.id, shown(s.cidr), "SSH (22)"]),
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

# a source that is not a valid CIDR is not skipped: whether it opens the internet is not known
unknown contains result if {
	some e in entries
	resolved(e)
	not all_traffic(e)
	count(matched_ports(e)) > 0
	xs := exposures(e)
	some s in e.sources
	invalid(xs, s)
	result := {
		"msg": sprintf("%s: ingress source %v is not a valid CIDR, so whether it allows %s from the internet is not known", [input.resource.id, s.cidr, "SSH (22)"]),
		"path": s.path,
		"expr": sprintf("invalid CIDR %v", [s.cidr]),
	}
}

# entries of the group that open the same port of this rule are judged together
same_traffic(e, e2) if count(opened(e) & opened(e2)) > 0

opened(e) := {port | some port, spec in ports; opens(e, port, spec)}

opens(e, port, spec) if all_traffic(e)

opens(e, port, spec) if {
	protocol_matches(e.protocol, spec.protocols)
	num(e.from) <= port
	port <= num(e.to)
}

shown(c) := c if is_string(c)

shown(c) := sprintf("unresolved %s", [lib.unknown_expr(c)]) if lib.is_unknown(c)

ports := {
	22: {"name": "SSH", "protocols": {"tcp", "6"}},
}

# ---------------------------------------------------------------------------------------------
# Every ingress permission of a resource, normalised across the five ways to write one:
# {"entry": path of the inline entry or "", "protocol", "from", "to",
#  "sources": [{"cidr": value, "path": attribute path, "key": source attribute, "siblings": n}]}
# ---------------------------------------------------------------------------------------------
entries := {e | some e in entries_of(input.resource)}

entries_of(res) := {e |
	some i, rule in as_list(res.attributes.ingress)
	usable(rule)
	e := entry(rule, sprintf("ingress[%d]", [i]), "protocol", "from_port", "to_port", ["cidr_blocks", "ipv6_cidr_blocks"])
} if res.type == "aws_security_group"

entries_of(res) := {entry(res.attributes, "", "protocol", "from_port", "to_port", ["cidr_blocks", "ipv6_cidr_blocks"])} if {
	res.type == "aws_security_group_rule"
	res.attributes.type == "ingress"
}

entries_of(res) := {entry(res.attributes, "", "ip_protocol", "from_port", "to_port", ["cidr_ipv4", "cidr_ipv6"])} if {
	res.type == "aws_vpc_security_group_ingress_rule"
}

entries_of(res) := {e |
	some i, rule in as_list(res.attributes.SecurityGroupIngress)
	usable(rule)
	e := entry(rule, sprintf("SecurityGroupIngress[%d]", [i]), "IpProtocol", "FromPort", "ToPort", ["CidrIp", "CidrIpv6"])
} if res.type == "AWS::EC2::SecurityGroup"

entries_of(res) := {entry(res.attributes, "", "IpProtocol", "FromPort", "ToPort", ["CidrIp", "CidrIpv6"])} if {
	res.type == "AWS::EC2::SecurityGroupIngress"
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

# ---------------------------------------------------------------------------------------------
# The security group this resource belongs to, and its other ingress permissions in this scan
# (inline ones and separate rule resources): 0.0.0.0/1 in one rule and 128.0.0.0/1 in another
# open the group to every IPv4 address just like 0.0.0.0/0 in one.
# ---------------------------------------------------------------------------------------------
group_types := {"aws_security_group", "AWS::EC2::SecurityGroup"}

rule_types := {"aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "AWS::EC2::SecurityGroupIngress"}

group_keys := {"security_group_id", "GroupId"}

groups contains input.resource.id if input.resource.type in group_types

groups contains ref.target if {
	input.resource.type in rule_types
	some ref in input.resource.references
	ref.path in group_keys
}

members contains id if some id in groups

members contains ref.source if {
	some g in groups
	some ref in input.resources[g].referenced_by
	ref.path in group_keys
	input.resources[ref.source].type in rule_types
}

# rule resources naming the same group by a literal id (sg-0123...) belong together too
members contains id if {
	input.resource.type in rule_types
	some key in group_keys
	gid := input.resource.attributes[key]
	is_string(gid)
	some id, r in input.resources
	r.type in rule_types
	r.attributes[key] == gid
}

group_entries contains e if some e in entries

group_entries contains e if {
	some id in members
	id != input.resource.id
	some e in entries_of(input.resources[id])
}

# the sources judged together with entry e: its own and those of the group's entries that open
# the same traffic (same_traffic is the rule's own notion)
pool(e) := array.concat(
	[c | some s in e.sources; c := s.cidr],
	[c | some e2 in group_entries; e2 != e; resolved(e2); same_traffic(e, e2); some s in e2.sources; c := s.cidr],
)

# exposures(e): lib.exposure of the sources judged with entry e (all, combined, large or invalid
# by value); computed once per entry: bind it, then ask exposed/invalid/reach about each source
exposures(e) := lib.exposure(pool(e), set(), true)

exposure(xs, s) := xs[s.cidr] if is_string(s.cidr)

exposure(xs, s) := {"kind": "unresolved"} if lib.is_unknown(s.cidr)

exposed(xs, s) if {
	x := exposure(xs, s)
	x.kind != "invalid"
}

invalid(xs, s) if exposure(xs, s).kind == "invalid"

# " (every IPv4 address)" etc. after the source in messages; nothing for 0.0.0.0/0 and ::/0
reach(xs, s) := lib.exposure_text(exposure(xs, s), "with the group's other sources for this traffic")

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
