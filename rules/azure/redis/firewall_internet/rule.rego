# METADATA
# title: Redis cache firewall rules do not admit the Internet
# description: >-
#   A Redis cache firewall rule whose range spans every IPv4 address (0.0.0.0 - 255.255.255.255)
#   or a large public part of it (2^24 addresses or more, outside 10.0.0.0/8) exposes the endpoint
#   to password spraying and exploits from anywhere. The range is judged by the addresses it
#   spans, not by its spelling; 0.0.0.0 - 0.0.0.0 (Azure services) is a separate rule. A bound
#   that is unresolved or not an IPv4 address is unknown.
# custom:
#   id: PG-AZURE-REDIS-004
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_redis_firewall_rule]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Narrow start/end to the client networks that need access, or use a private endpoint and disable public network access.
#   fixable: false
package policyguard.rules.azure.redis.firewall_internet

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

# the attributes holding the range's first and last address (Redis names them start_ip/end_ip)
bound_keys := ["start_ip", "end_ip"] if input.resource.type == "azurerm_redis_firewall_rule"

bound_keys := ["start_ip_address", "end_ip_address"] if input.resource.type != "azurerm_redis_firewall_rule"

start := object.get(attrs, bound_keys[0], null)

end := object.get(attrs, bound_keys[1], null)

# ipv4(s): a dotted-quad IPv4 address as a number (no leading zeros, octets up to 255);
# undefined for anything else
ipv4(s) := n if {
	is_string(s)
	a := trim_space(s)
	regex.match(`^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$`, a)
	o := split(a, ".")
	n := ((to_number(o[0]) * 256 + to_number(o[1])) * 256 + to_number(o[2])) * 256 + to_number(o[3])
}

unresolved contains key if {
	some key in bound_keys
	lib.is_unknown(object.get(attrs, key, null))
}

# a bound that is set but is not an IPv4 address: the rule cannot tell what it admits
invalid contains key if {
	some key in bound_keys
	v := object.get(attrs, key, null)
	v != null
	not lib.is_unknown(v)
	not ipv4(v)
}


unknown contains result if {
	some key in unresolved
	result := {
		"msg": sprintf("firewall rule \"%v\": %s is not known, so the range it admits is not known", [input.resource.name, key]),
		"path": key,
		"expr": lib.unknown_expr(object.get(attrs, key, null)),
	}
}

unknown contains result if {
	some key in invalid
	result := {
		"msg": sprintf("firewall rule \"%v\": %s = %v is not an IPv4 address, so the range it admits is not known", [input.resource.name, key, object.get(attrs, key, null)]),
		"path": key,
		"expr": sprintf("invalid address %v", [object.get(attrs, key, null)]),
	}
}

# a range of 2^24 addresses or more (a /8's worth, as lib.exposure counts a large public range)
# admits a large part of the Internet; 10.0.0.0-10.255.255.255 is private and passes
large := 16777216

first := ipv4(start)

last := ipv4(end)

size := (last - first) + 1

is_private if {
	first >= 167772160
	last <= 184549375
}

extent := "every IPv4 address" if size == 4294967296

extent := sprintf("%d addresses (a large public range)", [size]) if size < 4294967296

fail contains result if {
	size >= large
	not is_private
	result := {
		"msg": sprintf("firewall rule \"%v\" admits %s to the %s (%v - %v)", [input.resource.name, extent, "Redis cache", start, end]),
		"path": bound_keys[1],
	}
}
