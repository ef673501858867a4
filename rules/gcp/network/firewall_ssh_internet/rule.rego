# METADATA
# title: Firewall rules do not allow SSH from the Internet
# description: >-
#   An enabled INGRESS allow rule from 0.0.0.0/0 (or ::/0) covering TCP port 22 exposes SSH
#   on every targeted instance to the Internet. Port ranges, protocol "all" and allow blocks
#   without ports count. A rule with no source ranges, tags or service accounts also applies to
#   0.0.0.0/0. Use Identity-Aware Proxy TCP forwarding (source 35.235.240.0/20) instead.
# custom:
#   id: PG-GCP-NETWORK-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_firewall]
#   frameworks:
#     cis-gcp: ["3.6"]
#     nist-800-53: [SC-7, AC-17]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Restrict source_ranges to your administration networks or to the IAP range 35.235.240.0/20.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.network.firewall_ssh_internet

import rego.v1

import data.policyguard.gcp_firewall as fw

# gcp_firewall: the firewall's direction, sources and allow blocks, normalised once per resource
# for every PG-GCP-NETWORK exposure rule; admin_fails/admin_unknowns judge one TCP port
port := 22

text := {"what": "SSH"}

fail contains result if some result in fw.admin_fails(port, text)

unknown contains result if some result in fw.admin_unknowns(port, text)
