# METADATA
# title: Cloud SQL instances have no public IP address
# description: >-
#   A public IPv4 address (ipv4_enabled defaults to true) puts the database endpoint on the
#   Internet, protected only by authorized networks and credentials. Use private IP through
#   private services access, and the Cloud SQL Auth Proxy for administration.
# custom:
#   id: PG-GCP-SQL-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_sql_database_instance]
#   frameworks:
#     cis-gcp: ["6.6"]
#     nist-800-53: [SC-7]
#     pci-dss-4.0: ["1.4.1"]
#     soc2: [CC6.6]
#   remediation: Set settings.ip_configuration { ipv4_enabled = false, private_network = <VPC self link> }.
#   fixable: false
package policyguard.rules.gcp.sql.public_ip

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, settings in arr(input.resource.attributes.settings)
	count(arr(object.get(obj(settings), "ip_configuration", []))) == 0
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" has a public IP address (no ip_configuration: ipv4_enabled defaults to true)", [input.resource.name]),
		"path": sprintf("settings[%d].ip_configuration[0].ipv4_enabled", [i]),
	}
}

fail contains result if {
	some i, settings in arr(input.resource.attributes.settings)
	some j, ip in arr(settings.ip_configuration)
	value := object.get(obj(ip), "ipv4_enabled", true)
	not lib.falsy(value)
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" has a public IP address (ipv4_enabled = %v)", [input.resource.name, show(value)]),
		"path": sprintf("settings[%d].ip_configuration[%d].ipv4_enabled", [i, j]),
	}
}
