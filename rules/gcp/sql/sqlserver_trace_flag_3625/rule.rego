# METADATA
# title: Cloud SQL SQL Server instances set trace flag 3625
# description: >-
#   Trace flag 3625 masks parameters of error messages for users who are not sysadmin, so
#   failing statements do not disclose data to unprivileged callers; it is off by default.
# custom:
#   id: PG-GCP-SQL-022
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_sql_database_instance]
#   frameworks:
#     cis-gcp: ["6.3.6"]
#     nist-800-53: [SI-11]
#     soc2: [CC7.2]
#   remediation: Add settings.database_flags { name = "3625", value = "on" }.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.sql.sqlserver_trace_flag_3625

import rego.v1

import data.policyguard.lib

# engine prefix of database_version (MYSQL_8_0, POSTGRES_15, SQLSERVER_2019_STANDARD)
engine := "SQLSERVER"

flag := "3625"

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
		"msg": sprintf("Cloud SQL instance \"%v\" (%v) sets 3625 = %v: error messages show data to unprivileged users", [input.resource.name, version, e.value]),
		"path": sprintf("settings[%d].database_flags[%d].value", [e.i, e.j]),
		"fix": value_fix(e),
	}
}

good_value := "on"

value_fix(e) := {"description": "Set 3625 to on", "ops": [{"op": "set", "path": sprintf("settings[%d].database_flags[%d].value", [e.i, e.j]), "value": good_value}]}

fail contains result if {
	applies
	count(entries) == 0
	missing_insecure
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" (%v) does not set 3625: error messages show data to unprivileged users", [input.resource.name, version]),
		"path": missing_path,
		"fix": {"description": "Set 3625", "ops": [{"op": "add", "path": "settings[0].database_flags", "value": {"name": flag, "value": good_value}}]},
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
		"msg": sprintf("Cloud SQL instance \"%v\" sets 3625 = %v, and whether it is a SQL Server instance is not known", [input.resource.name, e.value]),
		"path": "database_version",
		"expr": lib.unknown_expr(version),
	}
}
