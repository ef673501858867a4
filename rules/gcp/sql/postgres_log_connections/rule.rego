# METADATA
# title: Cloud SQL PostgreSQL instances log connections
# description: >-
#   Without log_connections (off by default) successful and attempted connections leave no
#   trace, so brute force and unexpected clients go unnoticed.
# custom:
#   id: PG-GCP-SQL-008
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_sql_database_instance]
#   frameworks:
#     cis-gcp: ["6.2.2"]
#     nist-800-53: [AU-12]
#     soc2: [CC7.2]
#   remediation: Add settings.database_flags { name = "log_connections", value = "on" }.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.sql.postgres_log_connections

import rego.v1

import data.policyguard.lib

# engine prefix of database_version (MYSQL_8_0, POSTGRES_15, SQLSERVER_2019_STANDARD)
engine := "POSTGRES"

flag := "log_connections"

version := lib.attr("database_version")

applies if startswith(upper(lib.str(version)), engine)

# every database_flags entry named after the flag: {"i", "j", "value"}
entries := flag_entries(lib.arr(lib.attr("settings")))

flag_entries(settings) := [e |
	some i, s in settings
	some j, f in lib.arr(object.get(lib.obj(s), "database_flags", []))
	lower(trim_space(lib.str(object.get(lib.obj(f), "name", "")))) == flag
	e := {"i": i, "j": j, "value": object.get(lib.obj(f), "value", null)}
]

# the value as Cloud SQL reads it: lower case, trimmed (numbers written unquoted included)
norm(v) := lower(trim_space(v)) if is_string(v)

norm(v) := sprintf("%v", [v]) if is_number(v)

good(v) if norm(v) in {"on", "true", "1"}

# the engine's default is insecure: an instance without the flag fails
missing_insecure := true

fail contains result if {
	applies
	some e in entries
	not good(e.value)
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" (%v) sets log_connections = %v: connection attempts are not logged", [input.resource.name, version, e.value]),
		"path": sprintf("settings[%d].database_flags[%d].value", [e.i, e.j]),
		"fix": value_fix(e),
	}
}

good_value := "on"

value_fix(e) := {"description": "Set log_connections to on", "ops": [{"op": "set", "path": sprintf("settings[%d].database_flags[%d].value", [e.i, e.j]), "value": good_value}]}

fail contains result if {
	applies
	count(entries) == 0
	missing_insecure
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" (%v) does not set log_connections: the default (off) logs no connection attempts", [input.resource.name, version]),
		"path": missing_path,
		"fix": {"description": "Set log_connections", "ops": [{"op": "add", "path": "settings[0].database_flags", "value": {"name": flag, "value": good_value}}]},
	}
}

missing_path := "settings[0].database_flags" if {
	count(lib.arr(lib.attr("settings"))) > 0
} else := "settings"

# an unresolved database_version: a flag entry with a bad value is unknown, not skipped
unknown contains result if {
	lib.is_unknown(version)
	some e in entries
	not good(e.value)
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" sets log_connections = %v, and whether it is a PostgreSQL instance is not known", [input.resource.name, e.value]),
		"path": "database_version",
		"expr": lib.unknown_expr(version),
	}
}
