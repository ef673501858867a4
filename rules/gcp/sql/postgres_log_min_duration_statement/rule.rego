# METADATA
# title: Cloud SQL PostgreSQL instances do not log statement text by duration
# description: >-
#   Any value but -1 writes the full text of every statement slower than the threshold to the
#   log, literals (passwords, personal data) included. The default, -1, passes when the flag is
#   not set.
# custom:
#   id: PG-GCP-SQL-013
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_sql_database_instance]
#   frameworks:
#     cis-gcp: ["6.2.7"]
#     nist-800-53: [AU-12]
#     soc2: [CC7.2]
#   remediation: Remove the flag or set it to "-1".
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.sql.postgres_log_min_duration_statement

import rego.v1

import data.policyguard.lib

# engine prefix of database_version (MYSQL_8_0, POSTGRES_15, SQLSERVER_2019_STANDARD)
engine := "POSTGRES"

flag := "log_min_duration_statement"

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

good(v) if norm(v) == "-1"

# the engine's default is the secure value: an instance without the flag passes

fail contains result if {
	applies
	some e in entries
	not good(e.value)
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" (%v) sets log_min_duration_statement = %v: statement text (with its literals) is written to the log", [input.resource.name, version, e.value]),
		"path": sprintf("settings[%d].database_flags[%d].value", [e.i, e.j]),
		"fix": value_fix(e),
	}
}

good_value := "-1"

value_fix(e) := {"description": "Set log_min_duration_statement to -1", "ops": [{"op": "set", "path": sprintf("settings[%d].database_flags[%d].value", [e.i, e.j]), "value": good_value}]}

# an unresolved database_version: a flag entry with a bad value is unknown, not skipped
unknown contains result if {
	lib.is_unknown(version)
	some e in entries
	not good(e.value)
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" sets log_min_duration_statement = %v, and whether it is a PostgreSQL instance is not known", [input.resource.name, e.value]),
		"path": "database_version",
		"expr": lib.unknown_expr(version),
	}
}
