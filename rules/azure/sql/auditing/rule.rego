# METADATA
# title: SQL servers have auditing enabled
# description: >-
#   Without auditing there is no record of logins, queries and permission changes to
#   investigate a breach. Auditing may be configured inline (the legacy extended_auditing_policy
#   block) or with a separate azurerm_mssql_server_extended_auditing_policy resource pointing at
#   the server; a policy with enabled = false does not count.
# custom:
#   id: PG-AZURE-SQL-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_mssql_server, azurerm_sql_server]
#   frameworks:
#     cis-azure: ["4.1.1"]
#     nist-800-53: [AU-2, AU-12]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: [CC7.2]
#   remediation: Add an azurerm_mssql_server_extended_auditing_policy for the server (to Log Analytics or a storage account).
#   fixable: true
#   fix_safety: safe
package policyguard.rules.azure.sql.auditing

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

attrs := input.resource.attributes

policies contains r if {
	some ref in arr(input.resource.referenced_by)
	r := input.resources[ref.source]
	r.type == "azurerm_mssql_server_extended_auditing_policy"
}

enabled(p) if not lib.has(p, "enabled")

enabled(p) if lib.truthy(p.enabled)

audited if {
	some p in arr(attrs.extended_auditing_policy)
	enabled(p)
}

audited if {
	some p in policies
	enabled(p.attributes)
}

fail contains result if {
	not audited
	not lib.is_unknown(object.get(obj(attrs), "extended_auditing_policy", []))
	count(arr(object.get(obj(attrs), "extended_auditing_policy", []))) + count(policies) == 0
	result := {
		"msg": sprintf("SQL server \"%v\" has no auditing policy", [input.resource.name]),
		"path": "",
		"fix": {
			"description": "Audit the server to Azure Monitor",
			"ops": [{"op": "add_resource", "path": "", "value": {
				"type": "azurerm_mssql_server_extended_auditing_policy",
				"name": input.resource.name,
				"attributes": {"server_id": sprintf("${%s.%s.id}", [input.resource.type, input.resource.name]), "log_monitoring_enabled": true},
			}}],
		},
	}
}

fail contains result if {
	not audited
	some i, p in arr(attrs.extended_auditing_policy)
	not enabled(p)
	path := sprintf("extended_auditing_policy[%d].enabled", [i])
	result := {
		"msg": sprintf("SQL server \"%v\" auditing policy is disabled (enabled = %v)", [input.resource.name, show(p.enabled)]),
		"path": path,
		"fix": {"description": "Enable auditing", "ops": [{"op": "set", "path": path, "value": true}]},
	}
}

fail contains result if {
	not audited
	some p in policies
	not enabled(p.attributes)
	result := {
		"msg": sprintf("SQL server \"%v\" auditing policy %s is disabled (enabled = %v)", [input.resource.name, p.id, p.attributes.enabled]),
		"path": "",
	}
}

# a dynamic or variable-driven extended_auditing_policy block
unknown contains result if {
	not audited
	count(policies) == 0
	lib.is_unknown(attrs.extended_auditing_policy)
	result := {
		"msg": sprintf("SQL server \"%v\": whether auditing is configured is not known", [input.resource.name]),
		"path": "extended_auditing_policy",
		"expr": lib.unknown_expr(attrs.extended_auditing_policy),
	}
}
