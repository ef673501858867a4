# METADATA
# title: Cloud SQL instances do not authorize 0.0.0.0/0
# description: >-
#   An authorized network of 0.0.0.0/0 lets any host on the Internet reach the database's
#   public IP, leaving only the database password as protection.
# custom:
#   id: PG-GCP-SQL-004
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_sql_database_instance]
#   frameworks:
#     cis-gcp: ["6.5"]
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#     soc2: [CC6.6]
#   remediation: Remove the 0.0.0.0/0 authorized network; list specific client ranges or use private IP and the Cloud SQL Auth Proxy.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.sql.open_authorized_network

import rego.v1

import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, settings in arr(input.resource.attributes.settings)
	some j, ip in arr(settings.ip_configuration)
	some k, net in arr(ip.authorized_networks)
	exposed(net.value)
	path := sprintf("settings[%d].ip_configuration[%d].authorized_networks[%d]", [i, j, k])
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" authorizes %s%s (authorized network \"%v\")", [input.resource.name, net.value, lib.exposure_text(exposure(net.value), "with the other authorized networks"), object.get(obj(net), "name", "")]),
		"path": sprintf("%s.value", [path]),
		"fix": {"description": "Remove the open authorized network", "ops": [{"op": "remove", "path": path}]},
	}
}

# Authorized networks are judged by what they cover together (lib.exposure): 0.0.0.0/0
# however spelled, 0.0.0.0/1 + 128.0.0.0/1, large public ranges; "0.0.0.0" counts as any address.
networks := [net.value |
	some settings in arr(input.resource.attributes.settings)
	some ip in arr(settings.ip_configuration)
	some net in arr(ip.authorized_networks)
]

exposures := lib.exposure(networks, {"0.0.0.0"}, true)

exposure(v) := exposures[v]

exposed(v) if exposure(v).kind != "invalid"

# an authorized network that is not a valid CIDR is not skipped
unknown contains result if {
	some i, settings in arr(input.resource.attributes.settings)
	some j, ip in arr(settings.ip_configuration)
	some k, net in arr(ip.authorized_networks)
	exposure(net.value).kind == "invalid"
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\": authorized network %v is not a valid CIDR, so whether it is open to the Internet is not known", [input.resource.name, net.value]),
		"path": sprintf("settings[%d].ip_configuration[%d].authorized_networks[%d].value", [i, j, k]),
		"expr": sprintf("invalid CIDR %v", [net.value]),
	}
}
