# METADATA
# title: policyguard rule library
# description: Helpers every built-in and user rule may import as data.policyguard.lib.
package policyguard.lib

import rego.v1

# is_unknown(x): x is the marker of a value a parser could not resolve ({"__unknown__": expr}).
is_unknown(x) if {
	is_object(x)
	_ = x.__unknown__
}

# unknown_expr(x): the expression an unknown marker names.
unknown_expr(x) := x.__unknown__ if is_unknown(x)

# has(obj, key): obj is an object holding key (whatever its value, null and false included).
has(obj, key) if {
	is_object(obj)
	_ = obj[key]
}

# get(obj, key, fallback): obj[key], or fallback when obj is not an object or lacks key.
get(obj, key, fallback) := obj[key] if has(obj, key)

get(obj, key, fallback) := fallback if not has(obj, key)

# attr(key): the current resource's attribute, or null when absent. Safe under `not`:
# `not lib.truthy(lib.attr("encrypted"))` fires for a missing attribute on OPA and regorus alike
# (a function call on an undefined reference under `not` is undefined in OPA).
attr(key) := object.get(input.resource.attributes, key, null)

_true_strings := {"true", "yes", "on", "1", "enabled"}

_false_strings := {"false", "no", "off", "0", "disabled", ""}

# truthy(x): x is true, or a string/number that IaC formats use for true
# ("true", "True", "yes", "on", "1", 1). Unknown markers are neither truthy nor falsy.
truthy(x) if x == true

truthy(x) if {
	is_string(x)
	lower(trim_space(x)) in _true_strings
}

truthy(x) if {
	is_number(x)
	x == 1
}

# falsy(x): x is false, null, or a false-like string/number. Absent values are not falsy:
# test with has() first or use not truthy().
falsy(x) if x == false

falsy(x) if x == null

falsy(x) if {
	is_string(x)
	lower(trim_space(x)) in _false_strings
}

falsy(x) if {
	is_number(x)
	x == 0
}

# containers(pod_spec): every container of a pod spec, init and ephemeral containers included,
# as {"container": c, "kind": "containers"|"initContainers"|"ephemeralContainers",
#     "path": "pod_spec.containers[0]"} (a result path the engine maps onto the real object).
containers(pod_spec) := [c |
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	is_array(pod_spec[kind])
	some i, ctr in pod_spec[kind]
	is_object(ctr)
	c := {"container": ctr, "kind": kind, "path": sprintf("pod_spec.%s[%d]", [kind, i])}
]

# pod_containers: containers(input.resource.pod_spec) for the resource under evaluation. A rule,
# not a function call, so the engine computes it once per resource however many rules use it
# (about 25% of a Pod's evaluation time when each rule called containers() itself).
pod_containers := containers(input.resource.pod_spec)

# as_array(x): x if it is an array, [x] for any other defined value (CloudFormation and
# Kubernetes allow a single item where a list is expected in a few places).
as_array(x) := x if is_array(x)

as_array(x) := [x] if not is_array(x)

# ---------------------------------------------------------------------------------------------
# Address ranges. Rules judge what a set of CIDRs *covers*, never how it is spelled: 0.0.0.0/00,
# 0::/0, ::ffff:0.0.0.0/96, 0.0.0.0/1 + 128.0.0.0/1 and four /2s all mean "every IPv4 address".
# Addresses are bit strings ("0"/"1", 32 or 128 characters): no arithmetic beyond 16 bits, so
# IPv6 needs no 128-bit numbers and regorus and OPA give identical results (regorus lacks
# net.cidr_merge and net.cidr_intersects, and accepts ranges OPA rejects).
# ---------------------------------------------------------------------------------------------

# cidr(s): the range a CIDR ("10.0.0.0/8", "2001:db8::/32") or bare address ("1.2.3.4", a /32
# or /128) denotes: {"family": 4|6, "len": prefix length, "bits": its first len bits}. Host bits
# are ignored (10.0.0.1/8 is 10.0.0.0/8); an IPv4-mapped IPv6 range (::ffff:a.b.c.d/n, n >= 96)
# is the IPv4 range it maps. Undefined for anything else: a prefix length with more than three
# digits or beyond the family's width, an IPv4 octet over 255 or with a leading zero (010 is
# octal to some parsers), zone ids, more than one "::".
cidr(s) := _well_known[s] if is_string(s)

cidr(s) := r if {
	is_string(s)
	not _well_known[s]
	parts := split(trim_space(s), "/")
	count(parts) <= 2
	a := _cidr_address(parts[0])
	n := _cidr_len(parts, a.width)
	r := _cidr_range(a, n)
}

# the spellings most sources use, without parsing them
_well_known := {
	"0.0.0.0/0": {"family": 4, "len": 0, "bits": ""},
	"::/0": {"family": 6, "len": 0, "bits": ""},
	"10.0.0.0/8": {"family": 4, "len": 8, "bits": "00001010"},
	"172.16.0.0/12": {"family": 4, "len": 12, "bits": "101011000001"},
	"192.168.0.0/16": {"family": 4, "len": 16, "bits": "1100000010101000"},
}

_cidr_len(parts, width) := width if count(parts) == 1

_cidr_len(parts, width) := n if {
	count(parts) == 2
	regex.match(`^[0-9]{1,3}$`, parts[1])
	n := _decimal(parts[1])
	n <= width
}

# "00" and "032" are read as 0 and 32 (regorus's to_number rejects leading zeros)
_decimal(d) := 0 if trim_left(d, "0") == ""

_decimal(d) := to_number(trim_left(d, "0")) if trim_left(d, "0") != ""

# the address as IPv4 octets or as eight IPv6 groups of four hex digits; IPv6 bits are only
# computed for the groups the prefix needs (a /32 reads two groups, not eight)
_cidr_address(s) := {"family": 4, "width": 32, "octets": o} if o := _v4_octets(s)

_cidr_address(s) := {"family": 6, "width": 128, "groups": g} if {
	contains(s, ":")
	not contains(s, ".")
	g := _v6_groups(lower(s))
}

# an IPv6 address ending in a dotted IPv4 address (::ffff:1.2.3.4): the tail is read as IPv4
# and stands for the last two groups
_cidr_address(s) := {"family": 6, "width": 128, "groups": g} if {
	contains(s, ":")
	m := regex.find_all_string_submatch_n(`^(.*:)([0-9.]+)$`, lower(s), 1)
	count(m) == 1
	o := _v4_octets(m[0][2])
	head := _v6_groups(concat("", [m[0][1], "0:0"]))
	g := array.concat(array.slice(head, 0, 6), [concat("", [_octet_hex(o[0]), _octet_hex(o[1])]), concat("", [_octet_hex(o[2]), _octet_hex(o[3])])])
}

_cidr_range(a, n) := {"family": 4, "len": n, "bits": substring(_octets_bits(a.octets), 0, n)} if a.family == 4

# ::ffff:a.b.c.d/n (n >= 96) is the IPv4 range a.b.c.d/(n - 96)
_cidr_range(a, n) := {"family": 4, "len": n - 96, "bits": substring(concat("", [_group_bits(a.groups[6]), _group_bits(a.groups[7])]), 0, n - 96)} if {
	_mapped(a, n)
}

_cidr_range(a, n) := {"family": 6, "len": n, "bits": substring(concat("", [_group_bits(g) | some i, g in a.groups; i * 16 < n]), 0, n)} if {
	a.family == 6
	not _mapped(a, n)
}

_mapped(a, n) if {
	a.family == 6
	n >= 96
	array.slice(a.groups, 0, 6) == ["0000", "0000", "0000", "0000", "0000", "ffff"]
}

# four decimal octets (numbers) without leading zeros (010 is octal to some parsers), each <= 255
_v4_octets(s) := o if {
	regex.match(`^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$`, s)
	o := [n | some d in split(s, "."); n := to_number(d); n <= 255]
	count(o) == 4
}

_octets_bits(o) := concat("", [_octet_bits(o[0]), _octet_bits(o[1]), _octet_bits(o[2]), _octet_bits(o[3])])

# "%b" and "%x" without a width: regorus 0.13 ignores the zero padding of "%08b" for small numbers
_octet_bits(n) := concat("", [substring("00000000", 0, 8 - count(b)), b]) if b := sprintf("%b", [n])

_octet_hex(n) := concat("", [substring("00", 0, 2 - count(h)), h]) if h := sprintf("%x", [n])

# eight groups of four hex digits, "::" expanded; undefined unless 1-4 hex digits per group
_v6_groups(s) := g if {
	regex.match(`^[0-9a-f:]+$`, s)
	not contains(s, "::")
	g := _pad_groups(split(s, ":"))
	count(g) == 8
}

_v6_groups(s) := g if {
	regex.match(`^[0-9a-f:]+$`, s)
	halves := split(s, "::")
	count(halves) == 2
	head := _split_groups(halves[0])
	tail := _split_groups(halves[1])
	fill := 8 - count(head) - count(tail)
	fill >= 1
	g := _pad_groups(array.concat(array.concat(head, array.slice(_zero_groups, 0, fill)), tail))
	count(g) == 8
}

_split_groups(h) := [] if h == ""

_split_groups(h) := split(h, ":") if h != ""

_zero_groups := ["0", "0", "0", "0", "0", "0", "0", "0"]

# a group that is empty or longer than four digits drops out (and the count check fails)
_pad_groups(gs) := [p |
	some g in gs
	count(g) >= 1
	count(g) <= 4
	p := concat("", [substring("000", 0, 4 - count(g)), g])
]

_group_bits(p) := concat("", [_hex_bits[substring(p, 0, 1)], _hex_bits[substring(p, 1, 1)], _hex_bits[substring(p, 2, 1)], _hex_bits[substring(p, 3, 1)]])

_hex_bits := {
	"0": "0000", "1": "0001", "2": "0010", "3": "0011", "4": "0100", "5": "0101", "6": "0110", "7": "0111",
	"8": "1000", "9": "1001", "a": "1010", "b": "1011", "c": "1100", "d": "1101", "e": "1110", "f": "1111",
}

# cidr_within(r, outer): range r lies inside range outer (both cidr() values)
cidr_within(r, outer) if {
	r.family == outer.family
	outer.len <= r.len
	startswith(r.bits, outer.bits)
}

# covers_family(ranges, family): the ranges (cidr() values) of that family together cover every
# address of it. CIDR blocks are nested or disjoint, so after dropping the ones inside another
# the rest are disjoint, their bit strings sort in address order, and they cover the family iff
# the first starts at 0, the last ends at all-ones and each ends right before the next begins.
covers_family(ranges, family) if {
	rs := [r | some r in ranges; r.family == family]
	_starts_at_zero(rs)
	_ends_at_top(rs)
	top := outermost(rs)
	ps := sort([r.bits | some r in top])
	n := count(ps)
	n > 0
	not contains(ps[0], "1")
	not contains(ps[n - 1], "0")
	count([i | some i, p in ps; i > 0; not _adjacent(ps[i - 1], p)]) == 0
}

# cheap necessary conditions first: a range at address 0 and one reaching the last address
_starts_at_zero(rs) if {
	some r in rs
	not contains(r.bits, "1")
}

_ends_at_top(rs) if {
	some r in rs
	not contains(r.bits, "0")
}

# outermost(ranges): the distinct ranges that lie inside no other one
outermost(ranges) := {r | some r in ranges; not _inside_another(r, ranges)}

_inside_another(r, ranges) if {
	some o in ranges
	o != r
	cidr_within(r, o)
}

# the block after prefix p starts with p + 1 (trailing ones cleared, the last zero set)
_adjacent(p, next) if {
	q := trim_right(p, "1")
	q != ""
	succ := concat("", [substring(q, 0, count(q) - 1), "1"])
	startswith(next, succ)
	not contains(substring(next, count(succ), count(next) - count(succ)), "1")
}

# Address space that is not reachable from the Internet (private, shared, loopback,
# link-local, multicast and reserved blocks); a large range wholly inside one is not public.
# Written out as cidr() values (a constant costs nothing per evaluation; parsing these 11
# strings on every evaluation did); tests/test_rego_cidr.py checks them against cidr().
_non_public := [
	{"family": 4, "len": 8, "bits": "00000000"}, # 0.0.0.0/8
	{"family": 4, "len": 8, "bits": "00001010"}, # 10.0.0.0/8
	{"family": 4, "len": 10, "bits": "0110010001"}, # 100.64.0.0/10
	{"family": 4, "len": 8, "bits": "01111111"}, # 127.0.0.0/8
	{"family": 4, "len": 16, "bits": "1010100111111110"}, # 169.254.0.0/16
	{"family": 4, "len": 12, "bits": "101011000001"}, # 172.16.0.0/12
	{"family": 4, "len": 16, "bits": "1100000010101000"}, # 192.168.0.0/16
	{"family": 4, "len": 3, "bits": "111"}, # 224.0.0.0/3
	{"family": 6, "len": 7, "bits": "1111110"}, # fc00::/7
	{"family": 6, "len": 10, "bits": "1111111010"}, # fe80::/10
	{"family": 6, "len": 8, "bits": "11111111"}, # ff00::/8
]

# Threshold of a "large public range": IPv4 /8 or shorter (16.7 million addresses or more),
# IPv6 /16 or shorter; no legitimate allowlist names a block that size.
large_prefix := {4: 8, 6: 16}

# large_public(r): r (a cidr() value) is a large range that is not entirely non-public space
large_public(r) if {
	r.len <= large_prefix[r.family]
	not _non_public_range(r)
}

_non_public_range(r) if {
	some o in _non_public
	cidr_within(r, o)
}

# cidr_looks_like(s): s is meant as an address range (digits, hex, dots, colons, a slash), as
# opposed to a named source such as an Azure service tag; a malformed one is not to be ignored
cidr_looks_like(s) if {
	is_string(s)
	regex.match(`^\s*[0-9a-fA-F:.]*[:.][0-9a-fA-F:.]*(/.*)?\s*$`, s)
}

# exposure(values, any_words, strict): how each source value of a list (the sources that open
# the same thing, e.g. every CIDR allowed to one port) exposes it, keyed by value:
#   {"kind": "all"}       the value alone is every IPv4 or IPv6 address, or one of any_words
#                         (lower-case words that mean "any source": Azure's "internet", "*")
#   {"kind": "combined"}  one of the outermost ranges that together cover every address of its
#                         family (0.0.0.0/1 + 128.0.0.0/1, four /2s, ...)
#   {"kind": "large"}     a large public range (large_public)
#   {"kind": "invalid"}   not a well-formed range: a string that looks like one, or with strict
#                         any string that is neither a range nor one of any_words
# plus "value" and "range" (its cidr()). Values that expose nothing that way are absent, and so
# are non-strings (unknown markers, nulls: left to the rule). Every value is parsed once and
# coverage computed once per family, so call it once per list (bind it in a rule), not per value.
exposure(values, any_words, strict) := {v: x |
	parsed := {w: r | some w in values; is_string(w); not _any_word(w, any_words); r := cidr(w)}
	ranges := [r | some r in parsed]
	covered := {f | some f in [4, 6]; covers_family(ranges, f)}
	some v in values
	x := _exposure_of(v, parsed, ranges, covered, any_words, strict)
}

_exposure_of(v, parsed, ranges, covered, any_words, strict) := {"kind": "all", "value": v} if _any_word(v, any_words)

_exposure_of(v, parsed, ranges, covered, any_words, strict) := {"kind": k, "value": v, "range": r} if {
	r := parsed[v]
	k := _range_kind(r, ranges, covered)
}

_exposure_of(v, parsed, ranges, covered, any_words, strict) := {"kind": "invalid", "value": v} if {
	is_string(v)
	not _any_word(v, any_words)
	not parsed[v]
	_judged_as_range(v, strict)
}

# exposure_text(x, together): what an exposure entry means, for a message after the value
# (nothing for the literal 0.0.0.0/0, ::/0 and named "any" sources); `together` says what the
# other ranges of a combined one are ("with the rule's other sources")
exposure_text(x, together) := "" if {
	x.kind == "all"
	not x.range
}

exposure_text(x, together) := "" if {
	x.kind == "all"
	x.value in {"0.0.0.0/0", "::/0"}
}

exposure_text(x, together) := sprintf(" (every IPv%d address)", [x.range.family]) if {
	x.kind == "all"
	not x.value in {"0.0.0.0/0", "::/0"}
}

exposure_text(x, together) := sprintf(" (%s: every IPv%d address)", [together, x.range.family]) if x.kind == "combined"

exposure_text(x, together) := sprintf(" (a large public range, /%d)", [x.range.len]) if x.kind == "large"

exposure_text(x, together) := "" if not x.kind in {"all", "combined", "large"}

_any_word(v, any_words) if {
	is_string(v)
	lower(trim_space(v)) in any_words
}

_judged_as_range(v, strict) if strict == true

_judged_as_range(v, strict) if cidr_looks_like(v)

_range_kind(r, ranges, covered) := "all" if r.len == 0

_range_kind(r, ranges, covered) := "combined" if {
	r.len > 0
	_combined(r, ranges, covered)
}

_range_kind(r, ranges, covered) := "large" if {
	r.len > 0
	not _combined(r, ranges, covered)
	large_public(r)
}

_combined(r, ranges, covered) if {
	r.family in covered
	not _inside_another(r, ranges)
}

# Wrong-typed data. A value can be null (plans write every unset attribute as null), an unknown
# marker, or the wrong type (a string where a list belongs). Iterating a non-collection
# (`some x in null`) or passing a wrong type to a built-in (`object.get(null, ...)`,
# `lower(1)`) is an error on regorus and undefined on OPA: neither is a verdict. Read values a
# rule iterates or hands to a built-in through these, then decide on what is left: an empty
# list for a missing log-types list still fails closed.

# arr(x): x if it is an array, else [] (null, a scalar, an object, an unknown marker).
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# obj(x): x if it is an object (unknown markers included: their path makes a verdict unknown),
# else {}.
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# coll(x): x if it can be iterated with `some k, v in x` (array, object, set), else [].
coll(x) := x if is_array(x)

coll(x) := x if is_object(x)

coll(x) := x if is_set(x)

coll(x) := [] if {
	not is_array(x)
	not is_object(x)
	not is_set(x)
}

# str(x): x if it is a string, else "" (for lower/startswith/contains on a value that may be
# a number, a list or null).
str(x) := x if is_string(x)

str(x) := "" if not is_string(x)

# first(x): the first item of a non-empty array, else null (a nested block a plan writes as
# null or [], or a value of the wrong type).
first(x) := x[0] if {
	is_array(x)
	count(x) > 0
} else := null

# ---------------------------------------------------------------------------------------------

# policy_statements(doc, base): the statements of a document found at attribute path base
policy_statements(doc, base) := [s |
	json.is_valid(doc)
	some st in as_array(object.get(obj(json.unmarshal(doc)), "Statement", []))
	is_object(st)
	s := {"path": base, "st": st}
] if is_string(doc)

policy_statements(doc, base) := [s |
	sts := object.get(doc, "Statement", [])
	some i, st in as_array(sts)
	is_object(st)
	not is_unknown(st)
	s := {"path": _statement_path(base, sts, i), "st": st}
] if {
	is_object(doc)
	not is_unknown(doc)
}

policy_statements(doc, base) := [] if {
	not is_string(doc)
	not is_object(doc)
}

policy_statements(doc, base) := [] if is_unknown(doc)

_statement_path(base, sts, i) := sprintf("%s.Statement[%d]", [base, i]) if is_array(sts)

_statement_path(base, sts, _) := sprintf("%s.Statement", [base]) if not is_array(sts)

# policy_field_path(s, key): the path of a statement's field (Action, Resource, Principal...):
# the data-source block attribute, the key inside an object document, or the document itself
policy_field_path(s, key) := sprintf("%s.%s", [s.path, f]) if {
	f := object.get(object.get(s, "fields", {}), key, null)
	f != null
} else := sprintf("%s.%s", [s.path, key]) if {
	contains(s.path, "Statement")
} else := s.path

# document_block_statements(attrs): the statement blocks of an aws_iam_policy_document data
# source, in JSON shape (principals and conditions grouped as the rendered JSON groups them)
document_block_statements(attrs) := [s |
	some i, block in arr(object.get(obj(attrs), "statement", []))
	is_object(block)
	s := {"path": sprintf("statement[%d]", [i]), "st": _block_statement(block), "fields": _block_fields}
]

_block_fields := {
	"Action": "actions", "NotAction": "not_actions", "Resource": "resources",
	"NotResource": "not_resources", "Principal": "principals", "NotPrincipal": "not_principals",
	"Condition": "condition",
}

_block_statement(block) := {
	"Sid": object.get(block, "sid", null),
	"Effect": _block_effect(object.get(block, "effect", null)),
	"Action": arr(object.get(block, "actions", [])),
	"NotAction": _non_empty(object.get(block, "not_actions", null)),
	"Resource": arr(object.get(block, "resources", [])),
	"NotResource": _non_empty(object.get(block, "not_resources", null)),
	"Principal": _block_principals(arr(object.get(block, "principals", []))),
	"NotPrincipal": _block_principals(arr(object.get(block, "not_principals", []))),
	"Condition": _block_conditions(arr(object.get(block, "condition", []))),
}

# the data source's effect defaults to Allow (an unknown effect stays unknown)
_block_effect(e) := "Allow" if e == null

_block_effect(e) := e if e != null

_non_empty(x) := x if {
	is_array(x)
	count(x) > 0
} else := null

# principals blocks as the Principal object ({"AWS": [...], "Service": [...]}); null for none
_block_principals(ps) := null if count(ps) == 0

_block_principals(ps) := {t: ids |
	some p in ps
	t := object.get(obj(p), "type", null)
	is_string(t)
	ids := [id | some q in ps; object.get(obj(q), "type", null) == t; some id in as_array(object.get(obj(q), "identifiers", []))]
} if count(ps) > 0

# (each condition block read once, each test and variable grouped once: the nested scan of
# every block per block per block cost ~1 ms for a statement with 7 conditions)
_block_conditions(cs) := {t: _condition_variables(entries, t) | some t in {e.test | some e in entries}} if {
	entries := [{"test": t, "variable": object.get(obj(c), "variable", null), "values": as_array(object.get(obj(c), "values", []))} |
		some c in cs
		t := object.get(obj(c), "test", null)
		is_string(t)
	]
}

_condition_variables(entries, t) := {v: vals |
	some v in {e.variable | some e in entries; e.test == t; is_string(e.variable)}
	vals := [x | some e in entries; e.test == t; e.variable == v; some x in e.values]
}

# condition_entries(cond): a Condition object as [{"op", "key", "values"}], operator and key in
# lower case (both are case-insensitive in AWS)
condition_entries(cond) := [{"op": lower(op), "key": lower(k), "values": as_array(v)} |
	some op, kv in obj(cond)
	is_string(op)
	some k, v in obj(kv)
	is_string(k)
]

# principal_anyone(p): a Principal that names everyone: "*", {"AWS": "*"}, {"AWS": ["*", ...]}
principal_anyone(p) if p == "*"

principal_anyone(p) if {
	is_object(p)
	not is_unknown(p)
	some k in ["AWS", "*"]
	"*" in as_array(object.get(p, k, []))
}

# grants_anyone(st): an Allow statement for every principal (Principal "*", {"AWS": "*"}, or
# NotPrincipal) that no condition limits to known callers or networks (limiting_condition).
# A statement whose Condition is unresolved is included: the caller points its result at the
# Condition so the engine reports unknown.
grants_anyone(st) if {
	object.get(st, "Effect", null) == "Allow"
	_open_principal(st)
	not limiting_condition(object.get(st, "Condition", null))
}

_open_principal(st) if principal_anyone(object.get(st, "Principal", null))

_open_principal(st) if {
	np := object.get(st, "NotPrincipal", null)
	np != null
	np != ""
}

# grants_anyone_path(s): where a grants_anyone result points: the Condition when it is
# unresolved (the verdict is then unknown), else the Principal
grants_anyone_path(s) := policy_field_path(s, "Condition") if {
	is_unknown(object.get(s.st, "Condition", null))
} else := policy_field_path(s, "NotPrincipal") if {
	not principal_anyone(object.get(s.st, "Principal", null))
} else := policy_field_path(s, "Principal")

# limiting_condition(cond): some condition entry limits the callers to an organization,
# account, source resource, VPC, VPC endpoint, private or narrow address range, or a mount
# target. Not limiting: negated operators (StringNotEquals), ...IfExists and ForAllValues (both
# match when the key is absent, as it is for anonymous callers), Null, wildcard-only values,
# and an aws:SourceIp range that is every address or a large public one.
limiting_condition(cond) if {
	some e in condition_entries(cond)
	_limits(e)
}

_limiting_keys := {
	"aws:sourcevpce", "aws:sourcevpc", "aws:principalorgid", "aws:principalorgpaths",
	"aws:principalaccount", "aws:principalarn", "aws:sourceaccount", "aws:sourcearn",
	"aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceowner", "aws:userid",
	"kms:calleraccount",
}

# condition operators that grant only when the request matches: with condition_base_op(op)
# (ForAnyValue: stripped) and specific_values(vs), shared with the IAM identity helpers
positive_condition_ops := {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}

# positive_condition_op(op): op (lower case, ForAnyValue: stripped) is one of them. A function for
# other packages' functions: regorus can see another package's rule as undefined inside a
# function when that package was first entered through a rule of a third package
positive_condition_op(op) if op in positive_condition_ops

condition_base_op(op) := substring(op, 12, -1) if startswith(op, "foranyvalue:")

condition_base_op(op) := op if not startswith(op, "foranyvalue:")

_limits(e) if {
	condition_base_op(e.op) in positive_condition_ops
	e.key in _limiting_keys
	specific_values(e.values)
}

_limits(e) if {
	condition_base_op(e.op) == "ipaddress"
	e.key in {"aws:sourceip", "aws:vpcsourceip"}
	count(e.values) > 0
	every v in e.values {
		is_string(v)
		cidr(v)
	}
	count(exposure(e.values, set(), false)) == 0
}

_limits(e) if {
	condition_base_op(e.op) == "bool"
	e.key == "elasticfilesystem:accessedviamounttarget"
	some v in e.values
	truthy(v)
}

# values that name something: not only wildcards. An unresolved value (!Ref AWS::AccountId,
# a reference to an organization's id) names a specific account, organization or resource.
specific_values(vs) if {
	count(vs) > 0
	every v in vs {
		_specific_value(v)
	}
}

_specific_value(v) if {
	is_string(v)
	regex.match(`[^*?]`, v)
}

_specific_value(v) if is_unknown(v)

# action_matches(pattern, action): an IAM action pattern (case-insensitive, * and ?
# wildcards) covers the action ("service:Name")
action_matches(pattern, action) if {
	is_string(pattern)
	_action_glob(lower(trim_space(pattern)), lower(action))
}

# the common shapes without a regex ("s3:getobject", "*", "iam:*"): the IAM escalation rules
# match every statement against several actions, and regex.match compiles its pattern per call
_action_glob(p, a) if {
	not _wildcard(p)
	p == a
}

_action_glob(p, _) if p == "*"

_action_glob(p, a) if {
	_prefix_glob(p)
	startswith(a, trim_suffix(p, "*"))
}

_action_glob(p, a) if {
	_general_glob(p)
	regex.match(_glob_regex(p), a)
}

# any other wildcard pattern of IAM's action alphabet, matched as a regex
_general_glob(p) if {
	_wildcard(p)
	p != "*"
	not _prefix_glob(p)
	trim(p, "abcdefghijklmnopqrstuvwxyz0123456789:*?_-") == "" # ^[a-z0-9:*?_-]+$ (p has a wildcard)
}

_glob_regex(p) := concat("", ["^", replace(replace(p, "*", ".*"), "?", "."), "$"])

_wildcard(p) if contains(p, "*")

_wildcard(p) if contains(p, "?")

# "service:prefix*": one trailing star, no other wildcard
_prefix_glob(p) if {
	p != "*"
	endswith(p, "*")
	not _wildcard(trim_suffix(p, "*"))
	trim(trim_suffix(p, "*"), "abcdefghijklmnopqrstuvwxyz0123456789:_-") == "" # ^[a-z0-9:_-]*$ without a regex per call
}

# action_patterns(patterns): an Action or NotAction value (one pattern or a list) compiled for
# action_in, with the shapes of _action_glob: exact names, prefixes ("*" is the empty prefix)
# and other globs as regexes, all in lower case. Compiling a statement's patterns once per
# resource spares matching every pattern again for each action a rule asks about.
action_patterns(patterns) := {
	"exact": ps - wild,
	"prefixes": {trim_suffix(p, "*") | some p in prefixed},
	"globs": {_glob_regex(p) | some p in wild - prefixed; trim(p, "abcdefghijklmnopqrstuvwxyz0123456789:*?_-") == ""},
} if {
	ps := {lower(trim_space(x)) | some x in as_array(patterns); is_string(x)}
	wild := {p | some p in ps; contains(p, "*")} | {p | some p in ps; contains(p, "?")}
	# "*" and _prefix_glob, inline: one trailing star after IAM's action alphabet (or nothing)
	prefixed := {p | some p in wild; endswith(p, "*"); trim(trim_suffix(p, "*"), "abcdefghijklmnopqrstuvwxyz0123456789:_-") == ""}
}

# action_in(compiled, action): action_matches for every pattern of action_patterns at once;
# the action in lower case
action_in(c, action) if action in c.exact

action_in(c, action) if {
	some p in c.prefixes
	startswith(action, p)
}

action_in(c, action) if {
	some g in c.globs
	regex.match(g, action)
}

# statement_allows(st, action) / statement_denies(st, action): the statement's Action covers
# the action (or its NotAction does not), with that effect
statement_allows(st, action) if {
	object.get(st, "Effect", null) == "Allow"
	_covers_action(st, action)
}

statement_denies(st, action) if {
	object.get(st, "Effect", null) == "Deny"
	_covers_action(st, action)
}

_covers_action(st, action) if {
	some a in as_array(object.get(st, "Action", []))
	action_matches(a, action)
}

_covers_action(st, action) if {
	na := object.get(st, "NotAction", null)
	na != null
	na != false
	not _some_matches(as_array(na), action)
}

_some_matches(patterns, action) if {
	some a in patterns
	action_matches(a, action)
}

# statement_label(st): how a message names a statement
statement_label(st) := sprintf("statement %q", [st.Sid]) if is_string(object.get(st, "Sid", null))

statement_label(st) := "a statement" if not is_string(object.get(st, "Sid", null))

# ---------------------------------------------------------------------------------------------
# Resource policies (bucket, key, queue, topic, repository, secret, domain, vault, file system
# policies) of the resource under evaluation, held in the attributes named by keys.
# ---------------------------------------------------------------------------------------------

# policy_data_source(key): the aws_iam_policy_document the attribute is written as
# (data.aws_iam_policy_document.<name>.json), when nothing is merged into it: its blocks are the
# whole document. Undefined otherwise.
policy_data_source(key) := src if {
	expr := unknown_expr(attr(key))
	endswith(expr, ".json")
	some ref in arr(input.resource.references)
	ref.path == key
	ref.expression == expr
	src := input.resources[ref.target]
	src.type == "data.aws_iam_policy_document"
	is_array(src.attributes.statement)
	every k in ["source_policy_documents", "override_policy_documents", "source_json", "override_json"] {
		object.get(src.attributes, k, null) in {null, [], ""}
	}
}

# public_grants(keys): the statements of those policies that grant to anyone without a
# limiting condition (grants_anyone), as {"path", "st", "source": data source id or null}
public_grants(keys) := array.concat(
	[g |
		some key in keys
		some s in policy_statements(attr(key), key)
		grants_anyone(s.st)
		g := {"path": grants_anyone_path(s), "st": s.st, "source": null}
	],
	# names differ from the first comprehension's: the webhook's VM rewrite refuses a rule that
	# assigns one name twice
	[bg |
		some key in keys
		src := policy_data_source(key)
		some bs in document_block_statements(src.attributes)
		grants_anyone(bs.st)
		bg := {"path": "", "st": bs.st, "source": src.id}
	],
)

# unresolved_policies(keys): the policy attributes that are not resolved (and not a data source
# judged in their place); a rule reports each as a fail on its path, which becomes unknown
unresolved_policies(keys) := [key |
	some key in keys
	is_unknown(attr(key))
	not policy_data_source(key)
]

# statement_actions(st): the actions of a statement for a message
statement_actions(st) := json.marshal(object.get(st, "Action", null)) if object.get(st, "Action", null) != null

statement_actions(st) := sprintf("every action except %s", [json.marshal(st.NotAction)]) if {
	object.get(st, "Action", null) == null
	object.get(st, "NotAction", null) != null
}

statement_actions(st) := "its actions" if {
	object.get(st, "Action", null) == null
	object.get(st, "NotAction", null) == null
}

# ---------------------------------------------------------------------------------------------
# Secrets in plain environment variables (Lambda, ECS task definitions...)
# ---------------------------------------------------------------------------------------------

# env_secret_reason(name, value): why a literal environment value looks like a secret, or
# undefined: a credential-shaped value (AWS access key id, private key, GitHub/Slack/Stripe
# token), or a secret-like name (password, token, api_key...) holding a literal that is not a
# pointer (an ARN, an SSM path, a {{resolve:...}} reference, an interpolation)
env_secret_reason(name, value) := "looks like a credential value" if {
	_credential_value(value)
} else := "is named like a secret and holds a literal value" if {
	_secret_name(name)
	_literal_secret(value)
}

_secret_name(name) if {
	regex.match(`(?i)(password|passwd|pwd|secret|token|api_?key|apikey|private_?key|access_?key|credential)`, name)
	not regex.match(`(?i)[_-](arn|name|id|path|param|parameter|url|uri|ref|ssm|file|env|length|ttl|header|type|table|bucket|region|endpoint)$`, name)
}

_credential_value(v) if regex.match(`^(AKIA|ASIA)[A-Z0-9]{16}$`, v)

_credential_value(v) if contains(v, "PRIVATE KEY-----")

_credential_value(v) if regex.match(`^(gh[pousr]_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,})$`, v)

_literal_secret(v) if {
	count(v) >= 6
	not _secret_pointer(v)
	not lower(v) in {"true", "false", "none", "null", "changeme-in-ssm"}
}

_secret_pointer(v) if startswith(v, "arn:")

_secret_pointer(v) if startswith(v, "{{resolve:")

_secret_pointer(v) if startswith(v, "/")

_secret_pointer(v) if startswith(v, "${")
