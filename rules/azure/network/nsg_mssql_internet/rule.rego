# METADATA
# title: Network security groups do not allow SQL Server (1433) from the Internet
# description: >-
#   An inbound Allow rule from any source covering TCP port 1433 exposes SQL Server to password
#   spraying and to exploits of the database engine. Inline security_rule blocks and separate
#   azurerm_network_security_rule resources are checked; sources (*, Internet, Any, 0.0.0.0/0 in
#   any spelling, ranges that together cover every address, large public ranges) are judged as PG-
#   AZURE-NETWORK-001 judges them.
# custom:
#   id: PG-AZURE-NETWORK-007
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_network_security_group, azurerm_network_security_rule]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Restrict the rule's source to the networks that need access (or a service tag such as VirtualNetwork), or remove the rule and use a private endpoint.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.network.nsg_mssql_internet

import rego.v1

import data.policyguard.azure_nsg as nsg

# the traffic this rule watches (azure_nsg: the NSG's inbound Allow rules, normalised once per
# resource for every PG-AZURE-NETWORK exposure rule; sources judged with the NSG's other
# sources that open the same traffic)
# TCP (or any protocol) on the port(s)
spec := {"protocols": {"tcp", "*"}, "ports": {1433}}

text := {"what": "SQL Server (TCP 1433)", "vague": "SQL Server (TCP 1433)", "fix": "SQL Server"}

judged := nsg.judge(spec, text)

fail contains result if some result in judged.fail

unknown contains result if some result in judged.unknown
