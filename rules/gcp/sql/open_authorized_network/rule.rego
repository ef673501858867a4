# METADATA
# title: Cloud SQL instances do not authorize 0.0.0.0/0
# description: >-
#   An authorized network of 0.0.0.0/0 lets any host on the Internet reach the database's
#   public IP, leaving only the database password as protection.
# custom:
#   id: PG-GCP-SQL-004
#   severity: critical
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
	net.value in {"0.0.0.0/0", "::/0", "0.0.0.0"}
	path := sprintf("settings[%d].ip_configuration[%d].authorized_networks[%d]", [i, j, k])
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" authorizes %s (authorized network \"%v\")", [input.resource.name, net.value, object.get(obj(net), "name", "")]),
		"path": sprintf("%s.value", [path]),
		"fix": {"description": "Remove the open authorized network", "ops": [{"op": "remove", "path": path}]},
	}
}
