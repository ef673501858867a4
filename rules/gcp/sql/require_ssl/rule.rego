# METADATA
# title: Cloud SQL instances require encrypted connections
# description: >-
#   Unless ssl_mode is ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED (or the legacy
#   require_ssl = true), clients may connect without TLS and send credentials and data in
#   clear text.
# custom:
#   id: PG-GCP-SQL-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_sql_database_instance]
#   frameworks:
#     cis-gcp: ["6.4"]
#     nist-800-53: [SC-8]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set settings.ip_configuration { ssl_mode = "ENCRYPTED_ONLY" } (or TRUSTED_CLIENT_CERTIFICATE_REQUIRED).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.sql.require_ssl

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

secure_modes := {"ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"}

secure(ip) if ip.ssl_mode in secure_modes

secure(ip) if {
	not lib.has(ip, "ssl_mode")
	lib.truthy(ip.require_ssl)
}

fix(i, j, ip) := {
	"description": "Accept only encrypted connections",
	"ops": array.concat(
		[{"op": "set", "path": sprintf("settings[%d].ip_configuration[%d].ssl_mode", [i, j]), "value": "ENCRYPTED_ONLY"}],
		[{"op": "remove", "path": sprintf("settings[%d].ip_configuration[%d].require_ssl", [i, j])} | lib.has(ip, "require_ssl")],
	),
}

fail contains result if {
	some i, settings in arr(input.resource.attributes.settings)
	count(arr(object.get(obj(settings), "ip_configuration", []))) == 0
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" accepts unencrypted connections (no ip_configuration.ssl_mode)", [input.resource.name]),
		"path": sprintf("settings[%d].ip_configuration[0].ssl_mode", [i]),
		"fix": fix(i, 0, {}),
	}
}

fail contains result if {
	some i, settings in arr(input.resource.attributes.settings)
	some j, ip in arr(settings.ip_configuration)
	not secure(ip)
	found := object.get(obj(ip), "ssl_mode", object.get(obj(ip), "require_ssl", "unset"))
	path := sprintf("settings[%d].ip_configuration[%d].%s", [i, j, field(ip)])
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" accepts unencrypted connections (%s = %v)", [input.resource.name, field(ip), show(found)]),
		"path": path,
		"fix": fix(i, j, ip),
	}
}

field(ip) := "ssl_mode" if lib.has(ip, "ssl_mode")

field(ip) := "require_ssl" if {
	not lib.has(ip, "ssl_mode")
	lib.has(ip, "require_ssl")
}

field(ip) := "ssl_mode" if {
	not lib.has(ip, "ssl_mode")
	not lib.has(ip, "require_ssl")
}
