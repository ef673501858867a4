# METADATA
# title: Azure network security group helpers
# description: >-
#   The inbound Allow rules of an azurerm_network_security_group (inline security_rule blocks)
#   or azurerm_network_security_rule, and of the rest of its NSG, normalised once per resource
#   for the PG-AZURE-NETWORK "open to the Internet" rules. A package of its own: regorus
#   evaluates every rule of a package another package reads, once per resource, so these
#   tables cost only the NSG resources and are shared by every rule of their group.
package policyguard.azure_nsg

import rego.v1

import data.policyguard.lib
import data.policyguard.net

# sources that mean any address whatever the ranges (Azure's "*", "Internet" and "Any" tags,
# and a bare 0.0.0.0); address ranges are judged by what they cover (lib.exposure)
any_source := {"*", "0.0.0.0", "internet", "any"}

# own: the inbound Allow rules the resource under evaluation writes, one entry each:
#   "prefix"   path prefix of the rule's attributes ("security_rule[2]." or "" for the
#              separate resource)
#   "name"     the rule's name (the resource's name when it has none)
#   "proto"    protocol in lower case ("" when not a string)
#   "ranges"   destination port ranges as net.port_range values (unparseable ones left out)
#   "source"   source_address_prefix as written (null when absent)
#   "sources"  source_address_prefixes as written ([] when not a list)
#   "values"   the string sources of both attributes (what the NSG pool is made of)
own contains e if {
	input.resource.type == "azurerm_network_security_group"
	some i, r in lib.arr(object.get(lib.obj(input.resource.attributes), "security_rule", []))
	e := _entry(sprintf("security_rule[%d].", [i]), r)
}

own contains e if {
	input.resource.type == "azurerm_network_security_rule"
	e := _entry("", input.resource.attributes)
}

_entry(prefix, r) := {
	"prefix": prefix,
	"name": object.get(rule, "name", input.resource.name),
	"proto": lower(lib.str(object.get(rule, "protocol", null))),
	"ranges": net.port_ranges(array.concat([object.get(rule, "destination_port_range", null)], lib.arr(object.get(rule, "destination_port_ranges", [])))),
	"source": source,
	"sources": sources,
	"values": [v | some v in array.concat([source], sources); is_string(v)],
} if {
	rule := lib.obj(r)
	lower(lib.str(object.get(rule, "direction", null))) == "inbound"
	lower(lib.str(object.get(rule, "access", null))) == "allow"
	source := object.get(rule, "source_address_prefix", null)
	sources := lib.arr(object.get(rule, "source_address_prefixes", []))
}

# the NSG this resource is or belongs to
_nsgs contains input.resource.id if input.resource.type == "azurerm_network_security_group"

_nsgs contains ref.target if {
	input.resource.type == "azurerm_network_security_rule"
	some ref in input.resource.references
	ref.path == "network_security_group_name"
}

# group: the inbound Allow rules of the whole NSG in this scan (its inline blocks, its separate
# rule resources and the resource's own), as "proto", "ranges" and "values" of own entries;
# a rule judges the sources of those that open its traffic together (0.0.0.0/1 in one rule and
# 128.0.0.0/1 in another open the port to every IPv4 address like 0.0.0.0/0 in one)
group contains _traffic(e) if some e in own

group contains _traffic(e) if {
	some id in _nsgs
	some r in lib.arr(object.get(lib.obj(lib.obj(input.resources[id]).attributes), "security_rule", []))
	e := _entry("", r)
}

group contains _traffic(e) if {
	some id in _nsgs
	some ref in input.resources[id].referenced_by
	ref.path == "network_security_group_name"
	e := _entry("", input.resources[ref.source].attributes)
}

_traffic(e) := {"proto": e.proto, "ranges": e.ranges, "values": e.values}

# ---------------------------------------------------------------------------------------------
# What a rule asks: functions of a traffic spec, so each rule states only its spec and words.
# spec: {"protocols": lower-case protocols that carry the traffic ("*" included where it
# counts; no key: any protocol), "ports": a set of port numbers, "every" (a range spanning
# every port) or "any" (any port at all)}. text: {"what": the traffic in a fail message
# ("SSH (port 22)"), "vague": the traffic in an unknown message ("SSH"), "fix": the traffic in
# the fix description ("SSH")}.
# ---------------------------------------------------------------------------------------------

# opens(e, spec): the own or group entry e allows the spec's traffic
opens(e, spec) if {
	_protocol_carries(e.proto, object.get(spec, "protocols", null))
	_ports_open(e.ranges, spec.ports)
}

_protocol_carries(proto, protocols) if protocols == null

_protocol_carries(proto, protocols) if {
	protocols != null
	proto in protocols
}

_ports_open(ranges, "every") if {
	some r in ranges
	net.range_every_port(r)
}

_ports_open(ranges, "any") if count(ranges) > 0

_ports_open(ranges, ports) if {
	is_set(ports)
	some r in ranges
	some p in ports
	net.range_has(r, p)
}

# exposures(spec): lib.exposure of every source that the NSG's rules opening the spec's traffic
# name (the pool a source is judged with); bind it once per rule
exposures(spec) := lib.exposure([v | some g in group; opens(g, spec); some v in g.values], any_source, false)

# judge(spec, text): {"fail": results, "unknown": results} for the own rules that open the
# spec's traffic, from one exposure of the pool (none when no own rule opens it); bind it once
# per rule. fail: per Internet-open source, the fix narrowing the source to the virtual network
# or dropping the open entries of a source list. unknown: a source that is an unknown marker,
# or that looks like an address range but is not a valid one (not skipped).
judge(spec, text) := _judge([e | some e in own; opens(e, spec)], spec, text)

_judge(mine, spec, text) := {"fail": set(), "unknown": set()} if count(mine) == 0

_judge(mine, spec, text) := {
	"fail": {result | some e in mine; some result in _fails_of(e, xs, text)},
	"unknown": {found | some e2 in mine; some found in _unknowns_of(e2, xs, text)},
} if {
	count(mine) > 0
	xs := exposures(spec)
}

_fails_of(e, xs, text) := _fails_single(e, xs, text) | _fails_listed(e, xs, text)

_fails_single(e, xs, text) := {result |
	_exposed(xs, e.source)
	path := concat("", [e.prefix, "source_address_prefix"])
	result := {
		"msg": sprintf("rule \"%v\" allows %s from %s%s", [e.name, text.what, e.source, _reach(xs, e.source)]),
		"path": path,
		"fix": {"description": sprintf("Allow %s only from the virtual network", [text.fix]), "ops": [{"op": "set", "path": path, "value": "VirtualNetwork"}]},
	}
}

_fails_listed(e, xs, text) := {result |
	some j, src in e.sources
	_exposed(xs, src)
	kept := [s | some s in e.sources; not _exposed(xs, s)]
	path := concat("", [e.prefix, "source_address_prefixes"])
	result := {
		"msg": sprintf("rule \"%v\" allows %s from %s%s", [e.name, text.what, src, _reach(xs, src)]),
		"path": sprintf("%s[%d]", [path, j]),
		"fix": {"description": "Remove the Internet source", "ops": [{"op": "set", "path": path, "value": _fallback(kept)}]},
	}
}

_unknowns_of(e, xs, text) := _unknown_marker(e, xs, text) | _unknown_invalid(e, xs, text)

_unknown_marker(e, xs, text) := {result |
	lib.is_unknown(e.source)
	result := {
		"msg": sprintf("rule \"%v\" allows %s from a source that is not known", [e.name, text.vague]),
		"path": concat("", [e.prefix, "source_address_prefix"]),
		"expr": lib.unknown_expr(e.source),
	}
}

_unknown_invalid(e, xs, text) := {result |
	some [path, src] in array.concat(
		[[concat("", [e.prefix, "source_address_prefix"]), e.source]],
		[[sprintf("%ssource_address_prefixes[%d]", [e.prefix, j]), v] | some j, v in e.sources],
	)
	xs[src].kind == "invalid"
	result := {
		"msg": sprintf("rule \"%v\": source %v is not a valid address range, so whether it allows %s from the Internet is not known", [e.name, src, text.vague]),
		"path": path,
		"expr": sprintf("invalid address range %v", [src]),
	}
}

_exposed(xs, v) if xs[v].kind != "invalid"

_reach(xs, v) := lib.exposure_text(xs[v], "with the NSG's other sources for this port")

_fallback(kept) := kept if count(kept) > 0

_fallback(kept) := ["VirtualNetwork"] if count(kept) == 0
