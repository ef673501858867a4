# METADATA
# title: AWS security group exposure helpers
# description: >-
#   The ingress entries of a security group (or rule resource) and of the rest of its group, and
#   how their sources expose them, computed once per resource for PG-AWS-EC2-001..004 (a package
#   of its own: regorus evaluates every rule of a referenced package once per resource, so only
#   what those rules share lives here).
package policyguard.net_exposure

import data.policyguard.lib
import data.policyguard.net
import rego.v1

# ---------------------------------------------------------------------------------------------
# Every ingress permission of a resource, normalised across the five ways to write one:
# {"entry": path of the inline entry or "", "rule": the written object, "protocol", "from",
#  "to", "sources": [{"cidr": value, "path": attribute path, "key": source attribute,
#  "siblings": n}]}, plus what the rules test on every entry, derived once here instead of once
# per rule and port: "resolved" (protocol and ports are not unknown markers), "all" (every port
# and protocol, or every TCP/UDP port), "proto" (the protocol as lower-case text) and "lo"/"hi"
# (the ports as numbers; null where not numeric).
# ---------------------------------------------------------------------------------------------

# sg_entries: the ingress entries of the resource under evaluation
sg_entries := {e | some e in sg_entries_of(input.resource)}

sg_entries_of(res) := {e |
	some i, rule in _as_list(res.attributes.ingress)
	_usable(rule)
	e := _entry(rule, sprintf("ingress[%d]", [i]), "protocol", "from_port", "to_port", ["cidr_blocks", "ipv6_cidr_blocks"])
} if res.type == "aws_security_group"

sg_entries_of(res) := {_entry(res.attributes, "", "protocol", "from_port", "to_port", ["cidr_blocks", "ipv6_cidr_blocks"])} if {
	res.type == "aws_security_group_rule"
	res.attributes.type == "ingress"
}

sg_entries_of(res) := {_entry(res.attributes, "", "ip_protocol", "from_port", "to_port", ["cidr_ipv4", "cidr_ipv6"])} if {
	res.type == "aws_vpc_security_group_ingress_rule"
}

sg_entries_of(res) := {e |
	some i, rule in _as_list(res.attributes.SecurityGroupIngress)
	_usable(rule)
	e := _entry(rule, sprintf("SecurityGroupIngress[%d]", [i]), "IpProtocol", "FromPort", "ToPort", ["CidrIp", "CidrIpv6"])
} if res.type == "AWS::EC2::SecurityGroup"

sg_entries_of(res) := {_entry(res.attributes, "", "IpProtocol", "FromPort", "ToPort", ["CidrIp", "CidrIpv6"])} if {
	res.type == "AWS::EC2::SecurityGroupIngress"
}

_entry(rule, at, pkey, fkey, tkey, skeys) := {
	"entry": at,
	"rule": rule,
	"protocol": p,
	"from": f,
	"to": t,
	"sources": [s |
		some key in skeys
		value := rule[key]
		some s in _sources_of(value, sg_join_path(at, key), key)
	],
	"resolved": _resolved(p, f, t),
	"all": _all_traffic(p, proto, lo, hi),
	"proto": proto,
	"lo": lo,
	"hi": hi,
} if {
	p := object.get(rule, pkey, null)
	f := object.get(rule, fkey, null)
	t := object.get(rule, tkey, null)
	proto := lower(sprintf("%v", [p]))
	lo := _num_or_null(f)
	hi := _num_or_null(t)
}

# sg_join_path(at, key): the path of attribute key of the entry at path at ("" for the resource)
sg_join_path("", key) := key

sg_join_path(at, key) := sprintf("%s.%s", [at, key]) if at != ""

_sources_of(value, path, key) := [{"cidr": c, "path": sprintf("%s[%d]", [path, j]), "key": key, "siblings": count(value)} |
	some j, c in value
] if is_array(value)

_sources_of(value, path, key) := [{"cidr": value, "path": path, "key": key, "siblings": 1}] if not is_array(value)

_as_list(x) := x if is_array(x)

_as_list(x) := [] if not is_array(x)

_usable(rule) if {
	is_object(rule)
	not lib.is_unknown(rule)
}

_resolved(p, f, t) := count([x | some x in [p, f, t]; lib.is_unknown(x)]) == 0

# every port and protocol (-1, "all"), or every TCP/UDP port
_all_traffic(p, proto, lo, hi) := true if {
	p in {"-1", "all", -1}
} else := true if {
	proto in {"tcp", "6", "udp", "17"}
	is_number(lo)
	is_number(hi)
	lo <= 0
	hi >= 65535
} else := false

# ports as numbers (CloudFormation often writes them as strings); null when not numeric
_num_or_null(x) := x if {
	is_number(x)
} else := net.integer(x) if {
	is_string(x)
	regex.match(`^-?[0-9]+$`, x)
} else := null

# ---------------------------------------------------------------------------------------------
# The security group this resource belongs to, and its other ingress permissions in this scan
# (inline ones and separate rule resources): 0.0.0.0/1 in one rule and 128.0.0.0/1 in another
# open the group to every IPv4 address just like 0.0.0.0/0 in one.
# ---------------------------------------------------------------------------------------------
_group_types := {"aws_security_group", "AWS::EC2::SecurityGroup"}

_rule_types := {"aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "AWS::EC2::SecurityGroupIngress"}

_group_keys := {"security_group_id", "GroupId"}

# only a resource with a narrower range to judge needs its group (see sg_combinable)
_groups contains input.resource.id if {
	count(_own_narrow) > 0
	input.resource.type in _group_types
}

_groups contains ref.target if {
	count(_own_narrow) > 0
	input.resource.type in _rule_types
	some ref in input.resource.references
	ref.path in _group_keys
}

_members contains id if some id in _groups

_members contains ref.source if {
	some g in _groups
	some ref in input.resources[g].referenced_by
	ref.path in _group_keys
	input.resources[ref.source].type in _rule_types
}

# rule resources naming the same group by a literal id (sg-0123...) belong together too
_members contains id if {
	count(_own_narrow) > 0
	input.resource.type in _rule_types
	some key in _group_keys
	gid := input.resource.attributes[key]
	is_string(gid)
	some id, r in input.resources
	r.type in _rule_types
	r.attributes[key] == gid
}

# sg_group_entries(res): the entries of res (the resource under evaluation) and of the other
# members of its group; a function, so only a resource whose pools are needed pays for it
sg_group_entries(res) := sg_entries | {e |
	some id in _members
	id != res.id
	some e in sg_entries_of(input.resources[id])
}

# ---------------------------------------------------------------------------------------------
# How the sources expose an entry. A rule judges each source of an entry together with the
# sources of the group's other entries that open the same traffic (lib.exposure of that pool):
# only the "combined" kind depends on the pool; "all", "large" and "invalid" are properties of
# the value alone. A value of family f is combined only if the pool's ranges other than /0
# cover f (with a /0 in the pool, every other range of f lies inside it). Every pool is a part
# of the group's sources, so when those do not cover a family no pool does, and one exposure
# of all the group's sources answers every entry of every rule (sg_solo); only a group whose
# narrower ranges cover a family (sg_combinable) needs the pool per entry and rule.
# ---------------------------------------------------------------------------------------------
_own_cidrs := [c | some e in sg_entries; some s in e.sources; c := s.cidr; is_string(c)]

# the resource's ranges other than /0: only these can be combined ones
_own_narrow := [r |
	some c in _own_cidrs
	r := lib.cidr(c)
	r.len > 0
]

# the group's source values, a superset of every pool (unresolved entries included); only when
# the resource has a narrower range to judge
_group_cidrs := array.concat(_own_cidrs, [c |
	some id in _members
	id != input.resource.id
	some e in sg_entries_of(input.resources[id])
	some s in e.sources
	c := s.cidr
	is_string(c)
]) if count(_own_narrow) > 0

_narrow_ranges := [r |
	some c in _group_cidrs
	r := lib.cidr(c)
	r.len > 0
]

# sg_combinable: the address families (4, 6) that the group's narrower ranges cover together
sg_combinable := {f | some f in [4, 6]; lib.covers_family(_narrow_ranges, f)}

# sg_solo: lib.exposure of the resource's own sources; the exposure of each entry's pool when
# sg_combinable is empty (a value's kind is then its own)
sg_solo := lib.exposure(_own_cidrs, set(), true)

# ---------------------------------------------------------------------------------------------
# sg_unresolved: the same results for every rule of the group: an ingress list that is unknown
# as a whole (a dynamic block over a variable), or a single unresolved entry of an inline list
# (a CloudFormation !If); each rule reports them as fails on their paths (verdict unknown)
# ---------------------------------------------------------------------------------------------
sg_unresolved contains result if {
	some key in ["ingress", "SecurityGroupIngress"]
	lib.is_unknown(input.resource.attributes[key])
	result := {"msg": sprintf("%s: ingress rules are not resolved", [input.resource.id]), "path": key}
}

sg_unresolved contains result if {
	some key in ["ingress", "SecurityGroupIngress"]
	some i, rule in _as_list(input.resource.attributes[key])
	lib.is_unknown(rule)
	result := {"msg": sprintf("%s: ingress rule %d is not resolved", [input.resource.id, i]), "path": sprintf("%s[%d]", [key, i])}
}

# ---------------------------------------------------------------------------------------------
# What each rule asks, as functions of its port table, so a rule states only its table and
# words. ports: {port: {"name", "protocols": lower-case protocols (names and numbers)}}, or
# "all" for the rule about entries that open all traffic. what: the traffic in unknown messages
# ("SSH (22)", "all traffic").
# ---------------------------------------------------------------------------------------------

# sg_judge(ports, what): {"fail": results, "unknown": results} of a rule about the ports of its
# table, or with "all" about all-traffic entries; bind it once per rule. fail: per Internet-open
# source of each resolved entry that opens a port of the table (all-traffic entries are the "all"
# rule's finding), the fix removing the source, the source attribute or the entry (sg_fix).
# unknown: an unresolved protocol or port range from an Internet-open source (it may open
# anything), and a source that is not a valid CIDR on an entry that opens the traffic.
# Per entry only cheap inline tests run before a source is found open: the port table (an
# argument) is read only for those (a function call with a large argument is not free).
sg_judge(ports, what) := {
	"fail": _fails(ports, ports == "all", pools),
	"unknown": _unknown_unresolved(what, pools) | _unknown_invalid(ports, what, ports == "all", pools),
} if {
	pools := _pool_exposures(ports)
}

_fails(ports, all_rule, pools) := {result |
	some e in sg_entries
	e.resolved
	e.all == all_rule
	xs := object.get(pools, e.entry, sg_solo)
	some s in e.sources
	_exposed(xs, s)
	hits := _hits(e, ports)
	count(hits) > 0
	result := object.union(
		{"msg": _fail_msg(e, s, xs, hits, ports), "path": s.path},
		_fix_entry(e, s),
	)
}

# {"fix": ...} when sg_fix has one, else {}: a function, so the compiled VM (which drops the
# element of an iterating comprehension whose inner comprehension is empty) judges it as OPA does
_fix_entry(e, s) := {"fix": f | f := sg_fix(e, s)}

_unknown_unresolved(what, pools) := {result |
	some e in sg_entries
	not e.resolved
	xs := object.get(pools, e.entry, sg_solo)
	some s in e.sources
	_exposed(xs, s)
	result := {
		"msg": sprintf("%s: ingress from %v has an unresolved protocol or port range; it may allow %s", [input.resource.id, _shown(s.cidr), what]),
		"path": s.path,
		"expr": concat(", ", sort([lib.unknown_expr(x) | some x in [e.protocol, e.from, e.to]; lib.is_unknown(x)])),
	}
}

_unknown_invalid(ports, what, all_rule, pools) := {result |
	some e in sg_entries
	e.resolved
	e.all == all_rule
	xs := object.get(pools, e.entry, sg_solo)
	some s in e.sources
	_exposure(xs, s).kind == "invalid"
	count(_hits(e, ports)) > 0
	result := {
		"msg": sprintf("%s: ingress source %v is not a valid CIDR, so whether it allows %s from the internet is not known", [input.resource.id, s.cidr, what]),
		"path": s.path,
		"expr": sprintf("invalid CIDR %v", [s.cidr]),
	}
}

# what a resolved entry opens that the rule reports: "SSH (22)" labels of the table's ports (an
# all-traffic entry is the "all" rule's finding), or {"all"} for the "all" rule
_hits(e, ports) := {"all" | e.all} if ports == "all"

_hits(e, ports) := {sprintf("%s (%d)", [spec.name, port]) |
	not e.all
	some port, spec in ports
	_in_range(e, port, spec)
} if is_object(ports)

_fail_msg(e, s, xs, hits, ports) := sprintf("%s: ingress from %v%s allows all traffic (%s)", [input.resource.id, _shown(s.cidr), _reach(xs, s), _port_text(e)]) if ports == "all"

_fail_msg(e, s, xs, hits, ports) := sprintf("%s: ingress from %v%s allows %s (protocol %v, ports %v-%v)", [input.resource.id, _shown(s.cidr), _reach(xs, s), concat(", ", sort(hits)), e.protocol, e.from, e.to]) if is_object(ports)

_port_text(e) := "every protocol and port" if e.protocol in _all_protocols

_port_text(e) := sprintf("protocol %v, ports %v-%v", [e.protocol, e.from, e.to]) if not e.protocol in _all_protocols

_all_protocols := {"-1", "all", -1}

_in_range(e, port, spec) if {
	e.proto in spec.protocols
	is_number(e.lo)
	is_number(e.hi)
	e.lo <= port
	port <= e.hi
}

# the traffic of the rule an entry opens: the table's ports (all of them for an all-traffic
# entry), or "all" for the "all" rule; entries of the group that open some of the same traffic
# are judged together
_opened(e, ports) := {"all" | e.all} if ports == "all"

_opened(e, ports) := {port | some port, _ in ports; e.all} | {port | some port, spec in ports; _in_range(e, port, spec)} if is_object(ports)

# the sources judged together with entry e: its own and those of the group's resolved entries
# that open some of the same traffic
_pool(e, ports) := array.concat(
	[c | some s in e.sources; c := s.cidr],
	[c2 |
		mine := _opened(e, ports)
		some e2 in sg_group_entries(input.resource)
		e2 != e
		e2.resolved
		count(mine & _opened(e2, ports)) > 0
		some s2 in e2.sources
		c2 := s2.cidr
	],
)

# _pool_exposures(ports): lib.exposure of the sources judged with each entry, keyed by the entry's
# path ("" for a rule resource), when the group's narrower ranges cover a family together; otherwise no pool has a
# combined value, sg_solo (once per resource) answers every entry and this is empty
_pool_exposures(ports) := {} if count(sg_combinable) == 0

_pool_exposures(ports) := {e.entry: lib.exposure(_pool(e, ports), set(), true) | some e in sg_entries} if count(sg_combinable) > 0

_exposure(xs, s) := xs[s.cidr] if is_string(s.cidr)

_exposure(xs, s) := {"kind": "unresolved"} if lib.is_unknown(s.cidr)

_exposed(xs, s) if _exposure(xs, s).kind != "invalid"

# " (every IPv4 address)" etc. after the source in messages; nothing for 0.0.0.0/0 and ::/0
_reach(xs, s) := lib.exposure_text(_exposure(xs, s), "with the group's other sources for this traffic")

_shown(c) := c if is_string(c)

_shown(c) := sprintf("unresolved %s", [lib.unknown_expr(c)]) if lib.is_unknown(c)

# sg_fix(e, s): remove just the offending CIDR when others remain; otherwise the source attribute
# of an inline entry when other kinds of sources (security groups, prefix lists, self) would be
# lost with the entry, else the whole inline entry; nothing for a separate rule resource
sg_fix(e, s) := {"description": sprintf("Remove %v from %s", [s.cidr, s.key]), "ops": [{"op": "remove", "path": s.path}]} if {
	s.siblings > 1
	not lib.is_unknown(s.cidr)
} else := {"description": sprintf("Remove %s", [s.key]), "ops": [{"op": "remove", "path": sg_join_path(e.entry, s.key)}]} if {
	e.entry != ""
	_other_sources(e, s.key)
} else := {"description": "Remove the ingress entry that opens the port to the internet", "ops": [{"op": "remove", "path": e.entry}]} if {
	e.entry != ""
}

_other_sources(e, key) if {
	some k in ["cidr_blocks", "ipv6_cidr_blocks", "security_groups", "prefix_list_ids", "self"]
	k != key
	v := e.rule[k]
	v != null
	v != false
	v != []
}
