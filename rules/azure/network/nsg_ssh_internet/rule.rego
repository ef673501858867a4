# METADATA
# title: Network security groups do not allow SSH from the Internet
# description: >-
#   An inbound Allow rule from any source (*, 0.0.0.0/0, Internet, Any) covering TCP port
#   22 exposes SSH to brute force and to exploits of the remote administration service.
#   Inline security_rule blocks of azurerm_network_security_group and separate
#   azurerm_network_security_rule resources are both checked; port ranges and * count.
# custom:
#   id: PG-AZURE-NETWORK-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_network_security_group, azurerm_network_security_rule]
#   frameworks:
#     cis-azure: ["6.2"]
#     nist-800-53: [SC-7, AC-17]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Restrict the rule's source to known administration networks, or use Azure Bastion / a VPN and remove the rule.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.network.nsg_ssh_internet

import rego.v1

import data.policyguard.azure_nsg as nsg

# the traffic this rule watches (azure_nsg: the NSG's inbound Allow rules, normalised once per
# resource for every PG-AZURE-NETWORK exposure rule; sources judged with the NSG's other
# sources that open the same traffic)
# TCP (or any protocol) on the port(s)
spec := {"protocols": {"tcp", "*"}, "ports": {22}}

text := {"what": "SSH (port 22)", "vague": "SSH", "fix": "SSH"}

judged := nsg.judge(spec, text)

fail contains result if some result in judged.fail

unknown contains result if some result in judged.unknown
