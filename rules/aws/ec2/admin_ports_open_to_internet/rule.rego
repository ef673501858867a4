# METADATA
# title: Security groups do not expose administration or database ports to the internet
# description: >-
#   Database, cache, remote-administration and cluster-control ports (Telnet, FTP, SMB, SQL
#   Server, Oracle, MySQL, PostgreSQL, Redis, Memcached, MongoDB, Elasticsearch, etcd, Docker,
#   kubelet, VNC...) open to 0.0.0.0/0 or ::/0 are scanned and attacked within minutes. Web
#   ports such as 80 and 443 are not reported; rules that open all traffic are reported by PG-
#   AWS-EC2-004.
# custom:
#   id: PG-AWS-EC2-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_security_group, aws_security_group_rule, aws_vpc_security_group_ingress_rule]
#     cloudformation: ["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"]
#   frameworks:
#     nist-800-53: ["SC-7", "CM-7"]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Allow these ports only from the application's security groups or private CIDR ranges; keep
#     data stores in private subnets.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.admin_ports_open_to_internet

import data.policyguard.lib
import data.policyguard.net_exposure as net
import rego.v1

fail contains result if {
	some e in entries
	resolved(e)
	not all_traffic(e)
	xs := exposures(e)
	some s in e.sources
	exposed(xs, s)
	hits := matched_ports(e)
	count(hits) > 0
	result := object.union(
		{
			"msg": sprintf("%s: ingress from %v%s allows %s (protocol %v, ports %v-%v)", [input.resource.id, shown(s.cidr), reach(xs, s), concat(", ", sort(hits)), e.protocol, e.from, e.to]),
			"path": s.path,
		},
		{"fix": f | f := fix_for(e, s)},
	)
}

unknown contains result if {
	some e in entries
	not resolved(e)
	xs := exposures(e)
	some s in e.sources
	exposed(xs, s)
	result := {
		"msg": sprintf("%s: ingress from %v has an unresolved protocol or port range; it may allow %s", [input.resource.id, shown(s.cidr), "an administration or database port"]),
		"path": s.path,
		"expr": unresolved_expr(e),
	}
}

# the ports of the rule's table the entry opens by protocol and port range (e.proto, e.lo and
# e.hi: the entry's protocol and ports as net_exposure derives them once per entry)
matched_ports(e) := {sprintf("%s (%d)", [name, port]) |
	is_number(e.lo)
	is_number(e.hi)
	some port, spec in ports
	e.lo <= port
	port <= e.hi
	e.proto in spec.protocols
	name := spec.name
}

in_range(e, port, spec) if {
	e.proto in spec.protocols
	is_number(e.lo)
	is_number(e.hi)
	e.lo <= port
	port <= e.hi
}

# a source that is not a valid CIDR is not skipped: whether it opens the internet is not known
unknown contains result if {
	some e in entries
	resolved(e)
	not all_traffic(e)
	xs := exposures(e)
	some s in e.sources
	invalid(xs, s)
	count(matched_ports(e)) > 0
	result := {
		"msg": sprintf("%s: ingress source %v is not a valid CIDR, so whether it allows %s from the internet is not known", [input.resource.id, s.cidr, "an administration or database port"]),
		"path": s.path,
		"expr": sprintf("invalid CIDR %v", [s.cidr]),
	}
}

# entries of the group that open the same port of this rule are judged together
same_traffic(e, e2) if count(opened(e) & opened(e2)) > 0

opened(e) := {port | some port, spec in ports; opens(e, port, spec)}

opens(e, port, spec) if all_traffic(e)

opens(e, port, spec) if {
	in_range(e, port, spec)
}

shown(c) := c if is_string(c)

shown(c) := sprintf("unresolved %s", [lib.unknown_expr(c)]) if lib.is_unknown(c)

ports := {
	20: {"name": "FTP data", "protocols": {"tcp", "6"}},
	21: {"name": "FTP", "protocols": {"tcp", "6"}},
	23: {"name": "Telnet", "protocols": {"tcp", "6"}},
	135: {"name": "MS RPC", "protocols": {"tcp", "6"}},
	139: {"name": "NetBIOS", "protocols": {"tcp", "6"}},
	445: {"name": "SMB", "protocols": {"tcp", "6"}},
	1433: {"name": "SQL Server", "protocols": {"tcp", "6"}},
	1521: {"name": "Oracle", "protocols": {"tcp", "6"}},
	2375: {"name": "Docker API", "protocols": {"tcp", "6"}},
	2376: {"name": "Docker API (TLS)", "protocols": {"tcp", "6"}},
	2379: {"name": "etcd", "protocols": {"tcp", "6"}},
	2380: {"name": "etcd peer", "protocols": {"tcp", "6"}},
	3306: {"name": "MySQL", "protocols": {"tcp", "6"}},
	5432: {"name": "PostgreSQL", "protocols": {"tcp", "6"}},
	5601: {"name": "Kibana", "protocols": {"tcp", "6"}},
	5900: {"name": "VNC", "protocols": {"tcp", "6"}},
	5984: {"name": "CouchDB", "protocols": {"tcp", "6"}},
	6379: {"name": "Redis", "protocols": {"tcp", "6"}},
	9042: {"name": "Cassandra", "protocols": {"tcp", "6"}},
	9200: {"name": "Elasticsearch", "protocols": {"tcp", "6"}},
	9300: {"name": "Elasticsearch transport", "protocols": {"tcp", "6"}},
	10250: {"name": "kubelet", "protocols": {"tcp", "6"}},
	11211: {"name": "Memcached", "protocols": {"tcp", "6", "udp", "17"}},
	27017: {"name": "MongoDB", "protocols": {"tcp", "6"}},
	27018: {"name": "MongoDB shard", "protocols": {"tcp", "6"}},
}

# the ingress entries of the resource and of its security group (net_exposure: computed once per
# resource for PG-AWS-EC2-001..004)
entries := net.sg_entries

# the sources judged together with entry e: its own and those of the group's entries that open
# the same traffic (same_traffic is the rule's own notion)
pool(e) := array.concat(
	[c | some s in e.sources; c := s.cidr],
	[c | some e2 in net.sg_group_entries(input.resource); e2 != e; resolved(e2); same_traffic(e, e2); some s in e2.sources; c := s.cidr],
)

# exposures(e): lib.exposure of the sources judged with entry e (all, combined, large or invalid
# by value); bind it, then ask exposed/invalid/reach about each source. Unless the group's
# narrower ranges cover a family together, no pool has a combined value and the exposure of the
# resource's own sources, computed once per resource, answers every pool (net.sg_solo).
exposures(e) := net.sg_solo if count(net.sg_combinable) == 0

exposures(e) := lib.exposure(pool(e), set(), true) if count(net.sg_combinable) > 0

exposure(xs, s) := xs[s.cidr] if is_string(s.cidr)

exposure(xs, s) := {"kind": "unresolved"} if lib.is_unknown(s.cidr)

exposed(xs, s) if {
	x := exposure(xs, s)
	x.kind != "invalid"
}

invalid(xs, s) if exposure(xs, s).kind == "invalid"

# " (every IPv4 address)" etc. after the source in messages; nothing for 0.0.0.0/0 and ::/0
reach(xs, s) := lib.exposure_text(exposure(xs, s), "with the group's other sources for this traffic")

# an ingress list that is unknown as a whole (a dynamic block over a variable), or a single
# unresolved entry of an inline list (e.g. a CloudFormation !If), is not skipped: judged unknown
fail contains result if some result in net.sg_unresolved

all_protocols := {"-1", "all", -1}

# the entry opens every port and protocol (or every TCP/UDP port)
all_traffic(e) if e.all

resolved(e) if e.resolved

unresolved_expr(e) := concat(", ", sort([lib.unknown_expr(x) |
	some x in [e.protocol, e.from, e.to]
	lib.is_unknown(x)
]))

# remove just the offending CIDR when others remain; otherwise the whole inline entry, unless
# other kinds of sources (security groups, prefix lists, self) would be lost with it
fix_for(e, s) := {"description": sprintf("Remove %v from %s", [s.cidr, s.key]), "ops": [{"op": "remove", "path": s.path}]} if {
	s.siblings > 1
	not lib.is_unknown(s.cidr)
} else := {"description": sprintf("Remove %s", [s.key]), "ops": [{"op": "remove", "path": net.sg_join_path(e.entry, s.key)}]} if {
	e.entry != ""
	other_sources(e, s.key)
} else := {"description": "Remove the ingress entry that opens the port to the internet", "ops": [{"op": "remove", "path": e.entry}]} if {
	e.entry != ""
}

other_sources(e, key) if {
	some k in ["cidr_blocks", "ipv6_cidr_blocks", "security_groups", "prefix_list_ids", "self"]
	k != key
	v := e.rule[k]
	v != null
	v != false
	v != []
}
