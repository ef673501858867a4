# METADATA
# title: Cloud SQL instances have automated backups
# description: >-
#   Without automated backups a deleted table, a corrupting bug or ransomware means permanent
#   data loss. Read replicas (master_instance_name set) are exempt: they cannot have backups.
# custom:
#   id: PG-GCP-SQL-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_sql_database_instance]
#   frameworks:
#     cis-gcp: ["6.7"]
#     nist-800-53: [CP-9]
#     soc2: [A1.2]
#   remediation: Set settings.backup_configuration { enabled = true } (plus point_in_time_recovery_enabled or binary_log_enabled as the engine supports).
#   fixable: true
#   fix_safety: safe
package policyguard.rules.gcp.sql.backups

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

replica if not lib.falsy(object.get(obj(input.resource.attributes), "master_instance_name", ""))

fail contains result if {
	not replica
	some i, settings in arr(input.resource.attributes.settings)
	count(arr(object.get(obj(settings), "backup_configuration", []))) == 0
	path := sprintf("settings[%d].backup_configuration[0].enabled", [i])
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" has no automated backups (no backup_configuration)", [input.resource.name]),
		"path": path,
		"fix": {"description": "Enable automated backups", "ops": [{"op": "set", "path": path, "value": true}]},
	}
}

fail contains result if {
	not replica
	some i, settings in arr(input.resource.attributes.settings)
	some j, backup in arr(settings.backup_configuration)
	value := object.get(obj(backup), "enabled", false)
	not lib.truthy(value)
	path := sprintf("settings[%d].backup_configuration[%d].enabled", [i, j])
	result := {
		"msg": sprintf("Cloud SQL instance \"%v\" has automated backups disabled (enabled = %v)", [input.resource.name, show(value)]),
		"path": path,
		"fix": {"description": "Enable automated backups", "ops": [{"op": "set", "path": path, "value": true}]},
	}
}
