# METADATA
# title: Firewall rules do not allow database ports from the Internet
# description: >-
#   An enabled INGRESS allow rule from 0.0.0.0/0 (or with no source) for a database or cache
#   port (MySQL 3306, PostgreSQL 5432, SQL Server 1433, Oracle 1521, MongoDB 27017-27019, Redis
#   6379, Memcached 11211, Elasticsearch 9200/9300, Cassandra 9042, CouchDB 5984, etcd
#   2379-2380) exposes a data store to password guessing and exploits. Rules that open every
#   port are PG-GCP-NETWORK-003's finding.
# custom:
#   id: PG-GCP-NETWORK-004
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_firewall]
#   frameworks:
#     nist-800-53: [SC-7]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Reach databases over private IP (Private Service Access, VPC peering) or from named networks only.
#   fixable: false
package policyguard.rules.gcp.network.firewall_database_ports_internet

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

db_ports := {3306: "MySQL", 5432: "PostgreSQL", 1433: "SQL Server", 1521: "Oracle", 27017: "MongoDB", 27018: "MongoDB", 27019: "MongoDB", 6379: "Redis", 11211: "Memcached", 9200: "Elasticsearch", 9300: "Elasticsearch", 9042: "Cassandra", 5984: "CouchDB", 2379: "etcd", 2380: "etcd"}

covers(range, port) if {
	regex.match(`^[0-9]+$`, range)
	to_number(range) == port
}

covers(range, port) if {
	parts := split(range, "-")
	count(parts) == 2
	regex.match(`^[0-9]+$`, parts[0])
	regex.match(`^[0-9]+$`, parts[1])
	to_number(parts[0]) <= port
	to_number(parts[1]) >= port
}

# {"port", "allow index", "ports index"} for each database port an allow block opens explicitly
opened contains x if {
	some i, a in lib.arr(object.get(attrs, "allow", []))
	proto(a) in {"tcp", "6"}
	not all_ports(a)
	some j, r in lib.arr(object.get(lib.obj(a), "ports", []))
	some port, _ in db_ports
	covers(sprintf("%v", [r]), port)
	x := {"port": port, "i": i, "j": j}
}

fail contains result if {
	ingress
	enabled
	open_to_internet
	some x in opened
	result := {
		"msg": sprintf("firewall \"%v\" allows %s (tcp/%d) from the Internet (%s)", [name, db_ports[x.port], x.port, where]),
		"path": where,
	}
}

unknown contains result if {
	ingress
	enabled
	sources_unknown
	count(opened) > 0
	result := {
		"msg": sprintf("firewall \"%v\" allows database ports from source ranges that are not known", [name]),
		"path": "source_ranges",
		"expr": lib.unknown_expr(attrs.source_ranges),
	}
}

unknown contains result if {
	ingress
	enabled
	count(opened) > 0
	some i, cidr in sources
	exposures[cidr].kind == "invalid"
	result := {
		"msg": sprintf("firewall \"%v\": source range %v is not a valid CIDR", [name, cidr]),
		"path": sprintf("source_ranges[%d]", [i]),
		"expr": sprintf("invalid CIDR %v", [cidr]),
	}
}
