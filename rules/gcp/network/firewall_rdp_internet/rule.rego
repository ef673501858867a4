# METADATA
# title: Firewall rules do not allow RDP from the Internet
# description: >-
#   An enabled INGRESS allow rule from 0.0.0.0/0 (or ::/0) covering TCP port 3389 exposes RDP
#   on every targeted instance to the Internet. Port ranges, protocol "all" and allow blocks
#   without ports count. A rule with no source ranges, tags or service accounts also applies to
#   0.0.0.0/0. Use Identity-Aware Proxy TCP forwarding (source 35.235.240.0/20) instead.
# custom:
#   id: PG-GCP-NETWORK-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_firewall]
#   frameworks:
#     cis-gcp: ["3.7"]
#     nist-800-53: [SC-7, AC-17]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Restrict source_ranges to your administration networks or to the IAP range 35.235.240.0/20.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.network.firewall_rdp_internet

import rego.v1

import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

port := 3389

attrs := input.resource.attributes

# source ranges are judged by what they cover together (lib.exposure): 0.0.0.0/0 however
# spelled, 0.0.0.0/1 + 128.0.0.0/1, large public ranges; a malformed range is unknown
exposures := lib.exposure(arr(attrs.source_ranges), set(), true)

exposure(cidr) := exposures[cidr]

exposed(cidr) if exposure(cidr).kind != "invalid"

iap_range := "35.235.240.0/20"

# direction defaults to INGRESS (also when null, as in plans)
default direction := "INGRESS"

direction := upper(attrs.direction) if is_string(attrs.direction)

ingress if direction == "INGRESS"

enabled if not lib.truthy(object.get(obj(attrs), "disabled", false))

covers(range) if {
	regex.match(`^[0-9]+$`, range)
	to_number(range) == port
}

covers(range) if {
	parts := split(range, "-")
	count(parts) == 2
	regex.match(`^[0-9]+$`, parts[0])
	regex.match(`^[0-9]+$`, parts[1])
	to_number(parts[0]) <= port
	to_number(parts[1]) >= port
}

port_allowed if {
	some a in arr(attrs.allow)
	lower(sprintf("%v", [a.protocol])) in {"tcp", "all", "6"}
	count(arr(object.get(obj(a), "ports", []))) == 0
}

port_allowed if {
	some a in arr(attrs.allow)
	lower(sprintf("%v", [a.protocol])) in {"tcp", "all", "6"}
	some range in arr(a.ports)
	covers(sprintf("%v", [range]))
}

no_source if {
	count(arr(object.get(obj(attrs), "source_ranges", []))) == 0
	count(arr(object.get(obj(attrs), "source_tags", []))) == 0
	count(arr(object.get(obj(attrs), "source_service_accounts", []))) == 0
}

fail contains result if {
	ingress
	enabled
	port_allowed
	some i, cidr in arr(attrs.source_ranges)
	exposed(cidr)
	kept := [c | some c in arr(attrs.source_ranges); not exposed(c)]
	result := {
		"msg": sprintf("firewall \"%v\" allows RDP (tcp/%d) from %s%s", [object.get(obj(attrs), "name", input.resource.name), port, cidr, lib.exposure_text(exposure(cidr), "with the rule's other source ranges")]),
		"path": sprintf("source_ranges[%d]", [i]),
		"fix": {"description": "Allow RDP only through Identity-Aware Proxy", "ops": [{"op": "set", "path": "source_ranges", "value": fallback(kept)}]},
	}
}

fail contains result if {
	ingress
	enabled
	port_allowed
	no_source
	result := {
		"msg": sprintf("firewall \"%v\" allows RDP (tcp/%d) and names no source, so it applies to 0.0.0.0/0", [object.get(obj(attrs), "name", input.resource.name), port]),
		"path": "source_ranges",
		"fix": {"description": "Allow RDP only through Identity-Aware Proxy", "ops": [{"op": "set", "path": "source_ranges", "value": [iap_range]}]},
	}
}

fallback(kept) := kept if count(kept) > 0

fallback(kept) := [iap_range] if count(kept) == 0

unknown contains result if {
	ingress
	enabled
	port_allowed
	lib.is_unknown(attrs.source_ranges)
	result := {
		"msg": sprintf("firewall \"%v\" allows RDP from source ranges that are not known", [object.get(obj(attrs), "name", input.resource.name)]),
		"path": "source_ranges",
		"expr": lib.unknown_expr(attrs.source_ranges),
	}
}

# a source range that is not a valid CIDR is not skipped
unknown contains result if {
	ingress
	enabled
	port_allowed
	some i, cidr in arr(attrs.source_ranges)
	exposure(cidr).kind == "invalid"
	result := {
		"msg": sprintf("firewall \"%v\": source range %v is not a valid CIDR, so whether it allows RDP from the Internet is not known", [object.get(obj(attrs), "name", input.resource.name), cidr]),
		"path": sprintf("source_ranges[%d]", [i]),
		"expr": sprintf("invalid CIDR %v", [cidr]),
	}
}
