# METADATA
# title: Network security groups do not allow HTTP(S) from the Internet
# description: >-
#   An inbound Allow rule from any source for TCP 80 or 443 publishes web servers directly on the
#   Internet, bypassing a web application firewall (Application Gateway WAF, Front Door). Public
#   web front ends behind no WAF are the intended target; suppress the finding where direct
#   exposure is deliberate. Inline security_rule blocks and separate azurerm_network_security_rule
#   resources are checked; sources (*, Internet, Any, 0.0.0.0/0 in any spelling, ranges that
#   together cover every address, large public ranges) are judged as PG-AZURE-NETWORK-001 judges
#   them.
# custom:
#   id: PG-AZURE-NETWORK-006
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_network_security_group, azurerm_network_security_rule]
#   frameworks:
#     cis-azure: ["6.4"]
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Publish web servers through Application Gateway WAF or Front Door and restrict the rule's source to the gateway subnet or the AzureFrontDoor.Backend service tag.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.network.nsg_http_internet

import rego.v1

import data.policyguard.azure_nsg as nsg

# the traffic this rule watches (azure_nsg: the NSG's inbound Allow rules, normalised once per
# resource for every PG-AZURE-NETWORK exposure rule; sources judged with the NSG's other
# sources that open the same traffic)
# TCP (or any protocol) on the port(s)
spec := {"protocols": {"tcp", "*"}, "ports": {80, 443}}

text := {"what": "HTTP(S) (port 80 or 443)", "vague": "HTTP(S) (port 80 or 443)", "fix": "HTTP(S)"}

judged := nsg.judge(spec, text)

fail contains result if some result in judged.fail

unknown contains result if some result in judged.unknown
