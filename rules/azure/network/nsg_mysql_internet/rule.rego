# METADATA
# title: Network security groups do not allow MySQL (3306) from the Internet
# description: >-
#   An inbound Allow rule from any source covering TCP port 3306 exposes MySQL/MariaDB to password
#   spraying and to exploits of the database engine. Inline security_rule blocks and separate
#   azurerm_network_security_rule resources are checked; sources (*, Internet, Any, 0.0.0.0/0 in
#   any spelling, ranges that together cover every address, large public ranges) are judged as PG-
#   AZURE-NETWORK-001 judges them.
# custom:
#   id: PG-AZURE-NETWORK-008
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_network_security_group, azurerm_network_security_rule]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Restrict the rule's source to the networks that need access (or a service tag such as VirtualNetwork), or remove the rule and use a private endpoint.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.network.nsg_mysql_internet

import rego.v1

import data.policyguard.lib


# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# low(x): lower-cased x; undefined (not an error) for null or non-strings
low(x) := lower(x) if is_string(x)


# sources that mean any address whatever the ranges (Azure's "*", "Internet" and "Any" tags);
# address ranges are judged by what they cover (lib.exposure): 0.0.0.0/00, ::0/0,
# 0.0.0.0/1 + 128.0.0.0/1 (in one rule or in several rules of the NSG), large public ranges
any_source := {"*", "0.0.0.0", "internet", "any"}

# (path prefix, rule object) for inline blocks and for the separate resource
rules contains [sprintf("security_rule[%d].", [i]), r] if {
	input.resource.type == "azurerm_network_security_group"
	some i, r in arr(input.resource.attributes.security_rule)
}

rules contains ["", input.resource.attributes] if input.resource.type == "azurerm_network_security_rule"

# the NSG this resource is or belongs to, and the separate rule resources of that NSG in the scan
nsgs contains input.resource.id if input.resource.type == "azurerm_network_security_group"

nsgs contains ref.target if {
	input.resource.type == "azurerm_network_security_rule"
	some ref in input.resource.references
	ref.path == "network_security_group_name"
}

nsg_rules contains r if {
	some id in nsgs
	some r in arr(object.get(obj(input.resources[id]).attributes, "security_rule", []))
}

nsg_rules contains r if {
	some id in nsgs
	some ref in input.resources[id].referenced_by
	ref.path == "network_security_group_name"
	r := input.resources[ref.source].attributes
}

nsg_rules contains r if some [_, r] in rules

# every source that inbound Allow rules of the same NSG open the port to: judged together
pool := [v |
	some r in nsg_rules
	inbound_allow(r)
	port_open(r)
	some v in array.concat([object.get(obj(r), "source_address_prefix", null)], arr(object.get(obj(r), "source_address_prefixes", [])))
	is_string(v)
]

exposures := lib.exposure(pool, any_source, false)

exposure(v) := exposures[v]

exposed(v) if exposure(v).kind != "invalid"

reach(v) := lib.exposure_text(exposure(v), "with the NSG's other sources for this port")

# the destination ports this rule is about
watched := {3306}

covers(range) if range == "*"

covers(range) if {
	is_string(range)
	regex.match(`^\s*[0-9]+\s*$`, range)
	to_number(trim_space(range)) in watched
}

covers(range) if {
	is_string(range)
	parts := split(range, "-")
	count(parts) == 2
	regex.match(`^\s*[0-9]+\s*$`, parts[0])
	regex.match(`^\s*[0-9]+\s*$`, parts[1])
	some port in watched
	to_number(trim_space(parts[0])) <= port
	to_number(trim_space(parts[1])) >= port
}

port_open(r) if covers(r.destination_port_range)

port_open(r) if {
	some range in arr(r.destination_port_ranges)
	covers(range)
}

inbound_allow(r) if {
	low(r.direction) == "inbound"
	low(r.access) == "allow"
	low(r.protocol) in {"tcp", "*"}
}

fail contains result if {
	some [prefix, r] in rules
	inbound_allow(r)
	port_open(r)
	exposed(r.source_address_prefix)
	path := concat("", [prefix, "source_address_prefix"])
	result := {
		"msg": sprintf("rule \"%v\" allows MySQL (TCP 3306) from %s%s", [object.get(obj(r), "name", input.resource.name), r.source_address_prefix, reach(r.source_address_prefix)]),
		"path": path,
		"fix": {"description": "Allow MySQL only from the virtual network", "ops": [{"op": "set", "path": path, "value": "VirtualNetwork"}]},
	}
}

fail contains result if {
	some [prefix, r] in rules
	inbound_allow(r)
	port_open(r)
	some j, src in arr(r.source_address_prefixes)
	exposed(src)
	kept := [s | some s in arr(r.source_address_prefixes); not exposed(s)]
	path := concat("", [prefix, "source_address_prefixes"])
	result := {
		"msg": sprintf("rule \"%v\" allows MySQL (TCP 3306) from %s%s", [object.get(obj(r), "name", input.resource.name), src, reach(src)]),
		"path": sprintf("%s[%d]", [path, j]),
		"fix": {"description": "Remove the Internet source", "ops": [{"op": "set", "path": path, "value": fallback(kept)}]},
	}
}

fallback(kept) := kept if count(kept) > 0

fallback(kept) := ["VirtualNetwork"] if count(kept) == 0

unknown contains result if {
	some [prefix, r] in rules
	inbound_allow(r)
	port_open(r)
	lib.is_unknown(r.source_address_prefix)
	result := {
		"msg": sprintf("rule \"%v\" allows MySQL (TCP 3306) from a source that is not known", [object.get(obj(r), "name", input.resource.name)]),
		"path": concat("", [prefix, "source_address_prefix"]),
		"expr": lib.unknown_expr(r.source_address_prefix),
	}
}

# a source that looks like an address range but is not a valid one is not skipped
unknown contains result if {
	some [prefix, r] in rules
	inbound_allow(r)
	port_open(r)
	some [path, src] in array.concat(
		[[concat("", [prefix, "source_address_prefix"]), object.get(obj(r), "source_address_prefix", null)]],
		[[sprintf("%ssource_address_prefixes[%d]", [prefix, j]), v] | some j, v in arr(object.get(obj(r), "source_address_prefixes", []))],
	)
	exposure(src).kind == "invalid"
	result := {
		"msg": sprintf("rule \"%v\": source %v is not a valid address range, so whether it allows MySQL (TCP 3306) from the Internet is not known", [object.get(obj(r), "name", input.resource.name), src]),
		"path": path,
		"expr": sprintf("invalid address range %v", [src]),
	}
}
