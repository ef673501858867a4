# METADATA
# title: Network ACLs do not allow SSH or RDP from the internet
# description: >-
#   A network ACL entry that allows 0.0.0.0/0 or ::/0 (or ranges that together cover them, or
#   a large public range) to reach port 22 or 3389 removes the subnet-level guard in front of
#   remote administration. Covers inline ingress blocks of aws_network_acl and
#   aws_default_network_acl, aws_network_acl_rule and AWS::EC2::NetworkAclEntry, IPv4 and IPv6,
#   protocol -1 (every port) and port ranges. Entries are evaluated in rule-number order, so an
#   allow entry behind a lower-numbered deny of the whole address family for the same port is
#   not reported. Egress entries are not judged.
# custom:
#   id: PG-AWS-EC2-012
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_network_acl, aws_default_network_acl, aws_network_acl_rule]
#     cloudformation: ["AWS::EC2::NetworkAclEntry"]
#   frameworks:
#     cis-aws: ["5.1"]
#     nist-800-53: ["SC-7", "AC-17"]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Allow ports 22 and 3389 only from known administration ranges (or deny them from
#     0.0.0.0/0 and ::/0 with a lower rule number), and use SSM Session Manager or a bastion.
#   fixable: false
package policyguard.rules.aws.ec2.nacl_admin_ports_open

import data.policyguard.lib
import data.policyguard.net
import rego.v1

ports := {22: "SSH", 3389: "RDP"}

acl_types := {"aws_network_acl", "aws_default_network_acl"}

rule_types := {"aws_network_acl_rule", "AWS::EC2::NetworkAclEntry"}

acl_keys := {"network_acl_id", "NetworkAclId"}

fail contains result if {
	some e in own_entries
	e.action == "allow"
	resolved(e)
	some s in e.sources
	x := exposures[s.cidr]
	x.kind != "invalid"
	hits := open_ports(e, x.range.family)
	count(hits) > 0
	result := {
		"msg": sprintf("%s: network ACL ingress %s (rule %v) allows %s from %v%s", [input.resource.id, shown_at(e), e.number, concat(", ", sort(hits)), s.cidr, lib.exposure_text(x, "with the ACL's other entries")]),
		"path": s.path,
	}
}

# an unresolved source: the path holds the marker, so the engine reports unknown
fail contains result if {
	some e in own_entries
	e.action == "allow"
	resolved(e)
	count(opened(e)) > 0
	some s in e.sources
	lib.is_unknown(s.cidr)
	result := {
		"msg": sprintf("%s: network ACL ingress %s allows %s from an unresolved source", [input.resource.id, shown_at(e), opened_text(e)]),
		"path": s.path,
	}
}

unknown contains result if {
	some e in own_entries
	e.action == "allow"
	not resolved(e)
	some s in e.sources
	x := lib.exposure([s.cidr], set(), true)[s.cidr]
	x.kind != "invalid"
	result := {
		"msg": sprintf("%s: network ACL ingress %s from %v has an unresolved protocol or port range; it may allow SSH or RDP", [input.resource.id, shown_at(e), s.cidr]),
		"path": s.path,
		"expr": unresolved_text(e),
	}
}

unknown contains result if {
	some e in own_entries
	e.action == "allow"
	resolved(e)
	count(opened(e)) > 0
	some s in e.sources
	exposures[s.cidr].kind == "invalid"
	result := {
		"msg": sprintf("%s: network ACL ingress source %v is not a valid CIDR, so whether it allows SSH or RDP from the internet is not known", [input.resource.id, s.cidr]),
		"path": s.path,
		"expr": sprintf("invalid CIDR %v", [s.cidr]),
	}
}

# an ingress list unknown as a whole (a dynamic block over a variable) is not skipped
fail contains result if {
	input.resource.type in acl_types
	lib.is_unknown(lib.attr("ingress"))
	result := {"msg": sprintf("%s: ingress entries are not resolved", [input.resource.id]), "path": "ingress"}
}

opened_text(e) := concat(", ", sort([sprintf("%s (%d)", [ports[p], p]) | some p in opened(e)]))

unresolved_text(e) := concat(", ", sort([lib.unknown_expr(v) | some v in [e.protocol, e.from, e.to]; lib.is_unknown(v)]))

shown_at(e) := e.at if e.at != ""

shown_at(e) := "entry" if e.at == ""

# the admin ports entry e opens, not shadowed by an earlier deny of the whole family
open_ports(e, family) := {sprintf("%s (%d)", [ports[p], p]) |
	some p in opened(e)
	not shadowed(e, p, family)
}

# the admin ports the entry opens: derived once per entry (entry() below)
opened(e) := e.opened

opens(e, p) if p in e.opened

_opened(proto, lo, hi) := {p | some p, _ in ports; _opens(proto, lo, hi, p)}

_opens(proto, _, _, _) if proto in {"-1", "all"}

_opens(proto, lo, hi, p) if {
	proto in {"tcp", "6"}
	is_number(lo)
	is_number(hi)
	lo <= p
	p <= hi
}

# RDP also listens on UDP 3389
_opens(proto, lo, hi, 3389) if {
	proto in {"udp", "17"}
	is_number(lo)
	is_number(hi)
	lo <= 3389
	3389 <= hi
}

shadowed(e, p, family) if num(e.number) > deny_first[sprintf("%d/%d", [p, family])]

# per port and family, the lowest rule number of a deny entry covering the whole family
deny_first[key] := min(ns) if {
	some p, _ in ports
	some family in [4, 6]
	ns := denies(p, family)
	count(ns) > 0
	key := sprintf("%d/%d", [p, family])
}

denies(p, family) := [n |
	some d in pool
	d.action == "deny"
	resolved(d)
	opens(d, p)
	n := num(d.number)
	some s in d.sources
	r := lib.cidr(s.cidr)
	r.family == family
	r.len == 0
]

resolved(e) if {
	not lib.is_unknown(e.protocol)
	not lib.is_unknown(e.from)
	not lib.is_unknown(e.to)
}

num(x) := x if is_number(x)

num(x) := net.integer(x) if {
	is_string(x)
	regex.match(`^-?[0-9]+$`, x)
}

# ---------------------------------------------------------------------------------------------
# Ingress entries, normalised: {"res", "at", "action", "number", "protocol", "from", "to",
# "sources": [{"cidr", "path"}]}
# ---------------------------------------------------------------------------------------------
own_entries := entries_of(input.resource.id, input.resource)

entries_of(id, res) := [e |
	some i, x in lib.arr(object.get(lib.obj(res.attributes), "ingress", []))
	is_object(x)
	not lib.is_unknown(x)
	at := sprintf("ingress[%d]", [i])
	e := entry(id, at, x, ["action", "rule_no", "protocol"], object.get(x, "from_port", null), object.get(x, "to_port", null), ["cidr_block", "ipv6_cidr_block"])
] if res.type in acl_types

entries_of(id, res) := [entry(id, "", attrs, ["rule_action", "rule_number", "protocol"], object.get(attrs, "from_port", null), object.get(attrs, "to_port", null), ["cidr_block", "ipv6_cidr_block"])] if {
	res.type == "aws_network_acl_rule"
	attrs := lib.obj(res.attributes)
	not lib.truthy(object.get(attrs, "egress", false))
}

entries_of(id, res) := [entry(id, "", attrs, ["RuleAction", "RuleNumber", "Protocol"], object.get(range, "From", null), object.get(range, "To", null), ["CidrBlock", "Ipv6CidrBlock"])] if {
	res.type == "AWS::EC2::NetworkAclEntry"
	attrs := lib.obj(res.attributes)
	not lib.truthy(object.get(attrs, "Egress", false))
	range := lib.obj(object.get(attrs, "PortRange", {}))
}

entries_of(_, res) := [] if {
	res.type in rule_types
	lib.truthy(object.get(lib.obj(res.attributes), "egress", object.get(lib.obj(res.attributes), "Egress", false)))
}

entry(id, at, x, keys, from, to, source_keys) := {
	"res": id,
	"at": at,
	"action": lower(lib.str(object.get(x, keys[0], ""))),
	"number": object.get(x, keys[1], null),
	"protocol": protocol,
	"from": from,
	"to": to,
	"sources": [{"cidr": c, "path": join(at, key)} |
		some key in source_keys
		c := object.get(x, key, null)
		c != null
		c != ""
	],
	"opened": _opened(lower(trim_space(sprintf("%v", [protocol]))), num_or_null(from), num_or_null(to)),
} if protocol := object.get(x, keys[2], null)

# a port as a number, or null when not numeric (null sorts below every number: _opens tests
# is_number first)
num_or_null(x) := n if n := num(x)

num_or_null(x) := null if not num(x)

join("", key) := key

join(at, key) := sprintf("%s.%s", [at, key]) if at != ""

# the ACLs this resource belongs to, and every entry of them in the unit
acls contains input.resource.id if input.resource.type in acl_types

acls contains ref.target if {
	input.resource.type in rule_types
	some ref in lib.coll(input.resource.references)
	ref.path in acl_keys
}

members contains ref.target if {
	some a in acls
	some ref in lib.coll(object.get(lib.obj(input.resources[a]), "referenced_by", []))
	ref.path in acl_keys
	input.resources[ref.target].type in rule_types
}

# rule resources naming the same ACL by a literal id (acl-0123...)
members contains id if {
	input.resource.type in rule_types
	some key in acl_keys
	aid := object.get(lib.obj(input.resource.attributes), key, null)
	is_string(aid)
	some id, r in input.resources
	r.type in rule_types
	object.get(lib.obj(r.attributes), key, null) == aid
}

# only a resource with an allow entry that opens an admin port from some source needs the rest of
# its ACLs (their allow sources judged together, their denies shadowing); else pool is undefined
pool := array.concat(
	[e | some a in acls; a != input.resource.id; acl := input.resources[a]; some e in entries_of(a, acl)],
	array.concat(own_entries, [e | some m in members; m != input.resource.id; res := input.resources[m]; some e in entries_of(m, res)]),
) if judged_here

judged_here if {
	some own in own_entries
	own.action == "allow"
	count(own.opened) > 0
	count(own.sources) > 0
}

# every allow source that opens an admin port, judged together (0.0.0.0/1 + 128.0.0.0/1)
exposures := lib.exposure([s.cidr | some e in pool; e.action == "allow"; resolved(e); count(opened(e)) > 0; some s in e.sources], set(), true)
