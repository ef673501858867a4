# METADATA
# title: AWS security group exposure helpers
# description: The ingress entries of a security group (or rule resource) and of the rest of its group, and how their sources expose them, computed once per resource for PG-AWS-EC2-001..004 (a package of its own: regorus evaluates every rule of a referenced package once per resource, so only what those rules share lives here).
package policyguard.net_exposure

import data.policyguard.lib
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
} else := to_number(x) if {
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
