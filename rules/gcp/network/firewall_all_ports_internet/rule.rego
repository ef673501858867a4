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

import data.policyguard.gcp_firewall as fw
import data.policyguard.lib

# gcp_firewall: direction, sources and allow blocks normalised once per resource for every
# PG-GCP-NETWORK exposure rule; every_port(a): the allow block opens every port
fail contains result if {
	fw.ingress
	fw.enabled
	fw.open_to_internet
	some a in fw.allows
	fw.every_port(a)
	result := {
		"msg": sprintf("firewall \"%v\" allows every %s port from the Internet (%s)", [fw.name, a.proto, fw.where]),
		"path": fw.where,
	}
}

unknown contains result if {
	fw.ingress
	fw.enabled
	fw.sources_unknown
	some a in fw.allows
	fw.every_port(a)
	result := {
		"msg": sprintf("firewall \"%v\" allows every port from source ranges that are not known", [fw.name]),
		"path": "source_ranges",
		"expr": lib.unknown_expr(fw.attrs.source_ranges),
	}
}

unknown contains result if {
	fw.ingress
	fw.enabled
	some a in fw.allows
	fw.every_port(a)
	some i, cidr in fw.sources
	fw.exposures[cidr].kind == "invalid"
	result := {
		"msg": sprintf("firewall \"%v\": source range %v is not a valid CIDR", [fw.name, cidr]),
		"path": sprintf("source_ranges[%d]", [i]),
		"expr": sprintf("invalid CIDR %v", [cidr]),
	}
}
