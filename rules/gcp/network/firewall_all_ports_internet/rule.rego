# METADATA
# title: Firewall rules do not allow every port or protocol from the Internet
# description: >-
#   An enabled INGRESS allow rule from 0.0.0.0/0 (however spelled, or with no source at all,
#   which GCP treats as 0.0.0.0/0) for protocol all, or for TCP/UDP without a port list or with
#   the full range, exposes every service on the targeted instances, including ones nobody meant
#   to publish.
# custom:
#   id: PG-GCP-NETWORK-003
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_firewall]
#   frameworks:
#     nist-800-53: [SC-7, CM-7]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Allow only the ports the service needs, from the networks that need them.
#   fixable: false
package policyguard.rules.gcp.network.firewall_all_ports_internet

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

name := object.get(attrs, "name", input.resource.name)

# source ranges judged by what they cover together (0.0.0.0/0 however spelled, ranges that
# together cover a family, large public ranges); a malformed range is unknown
sources := lib.arr(object.get(attrs, "source_ranges", []))

exposures := lib.exposure(sources, set(), true)

exposed(cidr) if exposures[cidr].kind != "invalid"

# direction defaults to INGRESS (also when null, as in plans)
ingress if upper(lib.str(object.get(attrs, "direction", "INGRESS"))) == "INGRESS"

ingress if object.get(attrs, "direction", "INGRESS") == null

enabled if not lib.truthy(object.get(attrs, "disabled", false))

# no source ranges, tags or service accounts: GCP applies the rule to 0.0.0.0/0
no_source if {
	count(sources) == 0
	count(lib.arr(object.get(attrs, "source_tags", []))) == 0
	count(lib.arr(object.get(attrs, "source_service_accounts", []))) == 0
	not lib.is_unknown(object.get(attrs, "source_ranges", null))
}

open_to_internet if {
	some cidr in sources
	exposed(cidr)
}

open_to_internet if no_source

# the first exposing source, for messages and the result path
exposed_at := [i | some i, cidr in sources; exposed(cidr)]

where := sprintf("source_ranges[%d]", [exposed_at[0]]) if {
	count(exposed_at) > 0
} else := "source_ranges"

sources_unknown if lib.is_unknown(object.get(attrs, "source_ranges", null))

proto(a) := lower(sprintf("%v", [object.get(lib.obj(a), "protocol", "")]))

# every port of the protocol: "all", or tcp/udp/sctp with no ports or a full range
all_ports(a) if proto(a) == "all"

all_ports(a) if {
	proto(a) in {"tcp", "udp", "sctp", "6", "17", "132"}
	count(lib.arr(object.get(lib.obj(a), "ports", []))) == 0
}

all_ports(a) if {
	proto(a) in {"tcp", "udp", "sctp", "6", "17", "132"}
	some p in lib.arr(object.get(lib.obj(a), "ports", []))
	sprintf("%v", [p]) in {"0-65535", "1-65535"}
}

fail contains result if {
	ingress
	enabled
	open_to_internet
	some i, a in lib.arr(object.get(attrs, "allow", []))
	all_ports(a)
	result := {
		"msg": sprintf("firewall \"%v\" allows every %s port from the Internet (%s)", [name, proto(a), where]),
		"path": where,
	}
}

unknown contains result if {
	ingress
	enabled
	sources_unknown
	some a in lib.arr(object.get(attrs, "allow", []))
	all_ports(a)
	result := {
		"msg": sprintf("firewall \"%v\" allows every port from source ranges that are not known", [name]),
		"path": "source_ranges",
		"expr": lib.unknown_expr(attrs.source_ranges),
	}
}

unknown contains result if {
	ingress
	enabled
	some a in lib.arr(object.get(attrs, "allow", []))
	all_ports(a)
	some i, cidr in sources
	exposures[cidr].kind == "invalid"
	result := {
		"msg": sprintf("firewall \"%v\": source range %v is not a valid CIDR", [name, cidr]),
		"path": sprintf("source_ranges[%d]", [i]),
		"expr": sprintf("invalid CIDR %v", [cidr]),
	}
}
