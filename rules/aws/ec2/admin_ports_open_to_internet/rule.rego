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

import data.policyguard.net_exposure as net
import rego.v1

# net_exposure: the resource's ingress entries, its group and their exposures, computed once per
# resource for PG-AWS-EC2-001..004; sg_judge judges them against this rule's ports
# the ports this rule watches, with the protocols that reach them
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

what := "an administration or database port"

judged := net.sg_judge(ports, what)

fail contains result if some result in judged.fail

unknown contains result if some result in judged.unknown

# an ingress list that is unknown as a whole (a dynamic block over a variable), or a single
# unresolved entry of an inline list (e.g. a CloudFormation !If), is not skipped: judged unknown
fail contains result if some result in net.sg_unresolved
