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

import data.policyguard.gcp_firewall as fw
import data.policyguard.lib
import data.policyguard.net

db_ports := {3306: "MySQL", 5432: "PostgreSQL", 1433: "SQL Server", 1521: "Oracle", 27017: "MongoDB", 27018: "MongoDB", 27019: "MongoDB", 6379: "Redis", 11211: "Memcached", 9200: "Elasticsearch", 9300: "Elasticsearch", 9042: "Cassandra", 5984: "CouchDB", 2379: "etcd", 2380: "etcd"}

# the database ports the firewall's TCP allow blocks list (gcp_firewall: allow blocks normalised
# once per resource for every PG-GCP-NETWORK exposure rule); a block opening every port is
# PG-GCP-NETWORK-003's finding
opened contains x if {
	some a in fw.allows
	a.proto in {"tcp", "6"}
	not fw.every_port(a)
	some p in a.ports
	some port, _ in db_ports
	net.range_has(p, port)
	x := {"port": port, "i": a.i, "j": p.j}
}

fail contains result if {
	fw.ingress
	fw.enabled
	fw.open_to_internet
	some x in opened
	result := {
		"msg": sprintf("firewall \"%v\" allows %s (tcp/%d) from the Internet (%s)", [fw.name, db_ports[x.port], x.port, fw.where]),
		"path": fw.where,
	}
}

unknown contains result if {
	fw.ingress
	fw.enabled
	fw.sources_unknown
	count(opened) > 0
	result := {
		"msg": sprintf("firewall \"%v\" allows database ports from source ranges that are not known", [fw.name]),
		"path": "source_ranges",
		"expr": lib.unknown_expr(fw.attrs.source_ranges),
	}
}

unknown contains result if {
	fw.ingress
	fw.enabled
	count(opened) > 0
	some i, cidr in fw.sources
	fw.exposures[cidr].kind == "invalid"
	result := {
		"msg": sprintf("firewall \"%v\": source range %v is not a valid CIDR", [fw.name, cidr]),
		"path": sprintf("source_ranges[%d]", [i]),
		"expr": sprintf("invalid CIDR %v", [cidr]),
	}
}
