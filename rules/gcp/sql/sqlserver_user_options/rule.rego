# METADATA
# title: Cloud SQL SQL Server instances do not set user options
# description: >-
#   user options changes the default SET options of every session for all users, which can
#   silently alter query semantics (ANSI_NULLS, XACT_ABORT); the benchmark asks that it is not
#   configured.
# custom:
#   id: PG-GCP-SQL-020
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_sql_database_instance]
#   frameworks:
#     cis-gcp: ["6.3.4"]
#     nist-800-53: [CM-6]
#     soc2: [CC7.2]
#   remediation: Remove the user options flag.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.sql.sqlserver_user_options

import rego.v1

import data.policyguard.lib

# engine prefix of database_version (MYSQL_8_0, POSTGRES_15, SQLSERVER_2019_STANDARD)
engine := "SQLSERVER"

flag := "user options"

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

# any value configures global session defaults
good(v) := false

# the engine's default is the secure value: an instance without the flag passes

fail contains result if {
	applies
	some e in entries
	not good(e.value)
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" (%v) sets user options = %v: it changes the session defaults of every user", [input.resource.name, version, e.value]),
		"path": sprintf("settings[%d].database_flags[%d].value", [e.i, e.j]),
		"fix": value_fix(e),
	}
}

# the flag must not be configured: the fix removes its entry
value_fix(e) := {"description": "Remove the user options flag", "ops": [{"op": "remove", "path": sprintf("settings[%d].database_flags[%d]", [e.i, e.j])}]}

# an unresolved database_version: a flag entry with a bad value is unknown, not skipped
unknown contains result if {
	lib.is_unknown(version)
	some e in entries
	not good(e.value)
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" sets user options = %v, and whether it is a SQL Server instance is not known", [input.resource.name, e.value]),
		"path": "database_version",
		"expr": lib.unknown_expr(version),
	}
}
