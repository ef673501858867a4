# METADATA
# title: Cosmos DB accounts reachable from public networks restrict them with a firewall
# description: >-
#   A Cosmos DB account with public network access (the default) and neither an IP range filter
#   nor virtual network filtering accepts connections from any network; only the account keys or
#   Entra tokens stand in the way. Accounts with public_network_access_enabled = false pass (see
#   PG-AZURE-COSMOS-001 for that control). An ip_range_filter of 0.0.0.0 alone admits only Azure
#   datacenters and counts as a filter.
# custom:
#   id: PG-AZURE-COSMOS-005
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_cosmosdb_account]
#   frameworks:
#     cis-azure: ["4.5.1"]
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Set ip_range_filter to the client ranges, or is_virtual_network_filter_enabled = true with virtual_network_rule blocks, or disable public network access.
#   fixable: false
package policyguard.rules.azure.cosmos.firewall

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

public := object.get(attrs, "public_network_access_enabled", true)

# ip_range_filter: a list of strings (azurerm 4.x) or one comma-separated string (3.x)
filters(raw) := [f | some f in raw; trim_space(lib.str(f)) != ""] if is_array(raw)

filters(raw) := [f | some f in split(raw, ","); trim_space(f) != ""] if is_string(raw)

filters(raw) := [] if {
	not is_array(raw)
	not is_string(raw)
}

ip_filters := filters(object.get(attrs, "ip_range_filter", null))

vnet_filter if lib.truthy(object.get(attrs, "is_virtual_network_filter_enabled", false))

unresolved contains key if {
	some key in ["public_network_access_enabled", "ip_range_filter", "is_virtual_network_filter_enabled"]
	lib.is_unknown(object.get(attrs, key, null))
}

fail contains result if {
	not lib.falsy(public)
	count(ip_filters) == 0
	not vnet_filter
	count(unresolved) == 0
	result := {
		"msg": sprintf("Cosmos DB account \"%v\" is open to every network: public access without ip_range_filter or virtual network filtering", [input.resource.name]),
		"path": "ip_range_filter",
	}
}

unknown contains result if {
	not lib.falsy(public)
	count(ip_filters) == 0
	not vnet_filter
	some key in unresolved
	result := {
		"msg": sprintf("Cosmos DB account \"%v\": %s is not known, so whether its firewall admits every network is not known", [input.resource.name, key]),
		"path": key,
		"expr": lib.unknown_expr(object.get(attrs, key, null)),
	}
}
