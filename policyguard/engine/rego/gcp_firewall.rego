# METADATA
# title: GCP firewall helpers
# description: >-
#   A google_compute_firewall's direction, state, sources and allow blocks, normalised once per
#   resource for the PG-GCP-NETWORK "open to the Internet" rules. A package of its own: regorus
#   evaluates every rule of a package another package reads, once per resource, so these
#   tables cost only the firewall resources and are shared by every rule of their group.
package policyguard.gcp_firewall

import rego.v1

import data.policyguard.lib
import data.policyguard.net

attrs := lib.obj(input.resource.attributes)

# name: the firewall's own name, else the resource's
name := object.get(attrs, "name", input.resource.name)

# sources: source_ranges as written ([] when not a list)
sources := lib.arr(object.get(attrs, "source_ranges", []))

# exposures: lib.exposure of the source ranges, judged together (0.0.0.0/0 however spelled,
# 0.0.0.0/1 + 128.0.0.0/1, large public ranges; any other string is "invalid": GCP takes CIDRs)
exposures := lib.exposure(sources, set(), true)

# exposed(cidr): the source range opens the firewall to the Internet
exposed(cidr) if exposures[cidr].kind != "invalid"

# ingress: direction INGRESS in any case, or not written (the default; null in plans)
ingress if upper(lib.str(object.get(attrs, "direction", "INGRESS"))) == "INGRESS"

ingress if object.get(attrs, "direction", "INGRESS") == null

# direction_other: a direction that is neither text nor null (an unknown marker)
direction_other if {
	d := object.get(attrs, "direction", null)
	d != null
	not is_string(d)
}

enabled if not lib.truthy(object.get(attrs, "disabled", false))

# no_source_listed: no source ranges, tags or service accounts, so the rule applies to 0.0.0.0/0
# (an unknown source_ranges marker counts as none here: test sources_unknown where it must not)
no_source_listed if {
	count(sources) == 0
	count(lib.arr(object.get(attrs, "source_tags", []))) == 0
	count(lib.arr(object.get(attrs, "source_service_accounts", []))) == 0
}

sources_unknown if lib.is_unknown(object.get(attrs, "source_ranges", null))

# allows: the allow blocks, {"i": index, "proto": the protocol as lower-case text ("" when not
# written), "nports": how many ports it lists, "ports": [{"j", "text", "lo", "hi"}] for each
# port written as GCP takes it ("22", "1000-2000": no blanks, no "*")}
allows := [a |
	some i, raw in lib.arr(object.get(attrs, "allow", []))
	block := lib.obj(raw)
	listed := lib.arr(object.get(block, "ports", []))
	a := {
		"i": i,
		"proto": lower(sprintf("%v", [object.get(block, "protocol", "")])),
		"nports": count(listed),
		"ports": [p |
			some j, v in listed
			t := sprintf("%v", [v])
			regex.match(`^[0-9]+(-[0-9]+)?$`, t)
			r := net.port_range(t)
			p := {"j": j, "text": t, "lo": r.lo, "hi": r.hi}
		],
	}
]

# allows_port(protocols, port): an allow block of one of the protocols opens the port (a block
# that lists no ports opens all of them)
allows_port(protocols, port) if {
	some a in allows
	a.proto in protocols
	a.nports == 0
}

allows_port(protocols, port) if {
	some a in allows
	a.proto in protocols
	some p in a.ports
	net.range_has(p, port)
}

# ---------------------------------------------------------------------------------------------
# Remote administration on one TCP port (PG-GCP-NETWORK-001/002): an enabled ingress rule
# (an unresolved direction counts as ingress) allowing tcp/port, protocol "all" or an allow
# block without ports; the fix narrows the sources to Identity-Aware Proxy's range.
# text: {"what": the service in messages ("SSH")}
# ---------------------------------------------------------------------------------------------
iap_range := "35.235.240.0/20"

_admin_protocols := {"tcp", "all", "6"}

_admin_open(port) if {
	ingress
	enabled
	allows_port(_admin_protocols, port)
}

_admin_open(port) if {
	direction_other
	enabled
	allows_port(_admin_protocols, port)
}

admin_fails(port, text) := _admin_fails_listed(port, text) | _admin_fails_unlisted(port, text)

_admin_fails_listed(port, text) := {result |
	_admin_open(port)
	some i, cidr in sources
	exposed(cidr)
	kept := [c | some c in sources; not exposed(c)]
	result := {
		"msg": sprintf("firewall \"%v\" allows %s (tcp/%d) from %s%s", [name, text.what, port, cidr, lib.exposure_text(exposures[cidr], "with the rule's other source ranges")]),
		"path": sprintf("source_ranges[%d]", [i]),
		"fix": {"description": sprintf("Allow %s only through Identity-Aware Proxy", [text.what]), "ops": [{"op": "set", "path": "source_ranges", "value": _iap_fallback(kept)}]},
	}
}

_admin_fails_unlisted(port, text) := {result |
	_admin_open(port)
	no_source_listed
	result := {
		"msg": sprintf("firewall \"%v\" allows %s (tcp/%d) and names no source, so it applies to 0.0.0.0/0", [name, text.what, port]),
		"path": "source_ranges",
		"fix": {"description": sprintf("Allow %s only through Identity-Aware Proxy", [text.what]), "ops": [{"op": "set", "path": "source_ranges", "value": [iap_range]}]},
	}
}

admin_unknowns(port, text) := _admin_unknown_marker(port, text) | _admin_unknown_invalid(port, text)

_admin_unknown_marker(port, text) := {result |
	_admin_open(port)
	sources_unknown
	result := {
		"msg": sprintf("firewall \"%v\" allows %s from source ranges that are not known", [name, text.what]),
		"path": "source_ranges",
		"expr": lib.unknown_expr(attrs.source_ranges),
	}
}

_admin_unknown_invalid(port, text) := {result |
	_admin_open(port)
	some i, cidr in sources
	exposures[cidr].kind == "invalid"
	result := {
		"msg": sprintf("firewall \"%v\": source range %v is not a valid CIDR, so whether it allows %s from the Internet is not known", [name, cidr, text.what]),
		"path": sprintf("source_ranges[%d]", [i]),
		"expr": sprintf("invalid CIDR %v", [cidr]),
	}
}

_iap_fallback(kept) := kept if count(kept) > 0

_iap_fallback(kept) := [iap_range] if count(kept) == 0

# ---------------------------------------------------------------------------------------------
# Whole-firewall exposure (PG-GCP-NETWORK-003/004): open to the Internet through a source range
# or through naming no source (source_ranges known), and the path a finding points at
# ---------------------------------------------------------------------------------------------
open_to_internet if {
	some cidr in sources
	exposed(cidr)
}

open_to_internet if {
	no_source_listed
	not sources_unknown
}

_exposed_at := [i | some i, cidr in sources; exposed(cidr)]

# where: the first Internet-open source range, else source_ranges as a whole
where := sprintf("source_ranges[%d]", [_exposed_at[0]]) if {
	count(_exposed_at) > 0
} else := "source_ranges"

# every_port(a): the allow block opens every port: protocol "all", or a port protocol with no
# ports listed or 0-65535 / 1-65535
_port_protocols := {"tcp", "udp", "sctp", "6", "17", "132"}

every_port(a) if a.proto == "all"

every_port(a) if {
	a.proto in _port_protocols
	a.nports == 0
}

every_port(a) if {
	a.proto in _port_protocols
	some p in a.ports
	p.text in {"0-65535", "1-65535"}
}
