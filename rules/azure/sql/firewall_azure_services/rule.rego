# METADATA
# title: SQL server firewalls do not admit all Azure services
# description: >-
#   The firewall rule 0.0.0.0 - 0.0.0.0 is the switch "Allow Azure services and resources to
#   access this server": it admits connections from any Azure IP address, including resources of
#   other tenants, leaving the password as the only barrier. Less exposed than an Internet-wide
#   range (see the firewall_internet rule), so a separate, lower-severity rule.
# custom:
#   id: PG-AZURE-SQL-011
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_firewall_rule, azurerm_sql_firewall_rule]
#   frameworks:
#     cis-azure: ["4.1.2"]
#     nist-800-53: [SC-7, AC-4]
#     soc2: [CC6.6]
#   remediation: Remove the 0.0.0.0 - 0.0.0.0 rule; admit your own services through virtual network rules or private endpoints.
#   fixable: false
package policyguard.rules.azure.sql.firewall_azure_services

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

# the attributes holding the range's first and last address (Redis names them start_ip/end_ip)
bound_keys := ["start_ip", "end_ip"] if input.resource.type == "azurerm_redis_firewall_rule"

bound_keys := ["start_ip_address", "end_ip_address"] if input.resource.type != "azurerm_redis_firewall_rule"

start := object.get(attrs, bound_keys[0], null)

end := object.get(attrs, bound_keys[1], null)

# ipv4(s): a dotted-quad IPv4 address as a number (no leading zeros, octets up to 255);
# undefined for anything else
ipv4(s) := n if {
	is_string(s)
	a := trim_space(s)
	regex.match(`^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$`, a)
	o := split(a, ".")
	n := ((to_number(o[0]) * 256 + to_number(o[1])) * 256 + to_number(o[2])) * 256 + to_number(o[3])
}

unresolved contains key if {
	some key in bound_keys
	lib.is_unknown(object.get(attrs, key, null))
}

# a bound that is set but is not an IPv4 address: the rule cannot tell what it admits
invalid contains key if {
	some key in bound_keys
	v := object.get(attrs, key, null)
	v != null
	not lib.is_unknown(v)
	not ipv4(v)
}


# one bound that is a known address other than 0.0.0.0 settles it: this is not the Azure services rule
decided if {
	some key in bound_keys
	ipv4(object.get(attrs, key, null)) != 0
}

unknown contains result if {
	not decided
	some key in unresolved
	result := {
		"msg": sprintf("firewall rule \"%v\": %s is not known, so the range it admits is not known", [input.resource.name, key]),
		"path": key,
		"expr": lib.unknown_expr(object.get(attrs, key, null)),
	}
}

unknown contains result if {
	not decided
	some key in invalid
	result := {
		"msg": sprintf("firewall rule \"%v\": %s = %v is not an IPv4 address, so the range it admits is not known", [input.resource.name, key, object.get(attrs, key, null)]),
		"path": key,
		"expr": sprintf("invalid address %v", [object.get(attrs, key, null)]),
	}
}

# 0.0.0.0 - 0.0.0.0 is the "Allow Azure services and resources to access this server" switch
fail contains result if {
	ipv4(start) == 0
	ipv4(end) == 0
	result := {
		"msg": sprintf("firewall rule \"%v\" (0.0.0.0 - 0.0.0.0) lets every Azure service reach the %s, including other customers' resources", [input.resource.name, "SQL server"]),
		"path": bound_keys[0],
	}
}
