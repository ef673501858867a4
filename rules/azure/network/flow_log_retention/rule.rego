# METADATA
# title: NSG flow logs are kept for at least 90 days
# description: >-
#   Flow logs deleted after fewer than 90 days are gone before many intrusions are discovered. A
#   retention_policy with enabled = true and days below 90 fails; days = 0 or a disabled retention
#   policy keep the logs indefinitely and pass. A flow log that is itself disabled (enabled = false)
#   records nothing and fails.
# custom:
#   id: PG-AZURE-NETWORK-010
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_network_watcher_flow_log]
#   frameworks:
#     cis-azure: ["6.5"]
#     nist-800-53: [AU-11, AU-12]
#     pci-dss-4.0: ["10.5.1"]
#     soc2: [CC7.2]
#   remediation: Set enabled = true and retention_policy { enabled = true, days = 90 } (or more).
#   fixable: true
#   fix_safety: safe
package policyguard.rules.azure.network.flow_log_retention

import rego.v1

import data.policyguard.lib

attrs := lib.obj(input.resource.attributes)

number(v) := v if is_number(v)

number(v) := to_number(trim_space(v)) if {
	is_string(v)
	regex.match(`^\s*[0-9]+\s*$`, v)
}

fail contains result if {
	lib.falsy(object.get(attrs, "enabled", true))
	object.get(attrs, "enabled", true) != null
	result := {
		"msg": sprintf("flow log \"%v\" is disabled (enabled = false)", [input.resource.name]),
		"path": "enabled",
		"fix": {"description": "Enable the flow log", "ops": [{"op": "set", "path": "enabled", "value": true}]},
	}
}

fail contains result if {
	some i, p in lib.arr(object.get(attrs, "retention_policy", []))
	lib.truthy(object.get(lib.obj(p), "enabled", false))
	days := number(object.get(lib.obj(p), "days", 0))
	days > 0
	days < 90
	path := sprintf("retention_policy[%d].days", [i])
	result := {
		"msg": sprintf("flow log \"%v\" deletes records after %d days (fewer than 90)", [input.resource.name, days]),
		"path": path,
		"fix": {"description": "Keep flow logs for 90 days", "ops": [{"op": "set", "path": path, "value": 90}]},
	}
}

fail contains result if {
	some i, p in lib.arr(object.get(attrs, "retention_policy", []))
	lib.truthy(object.get(lib.obj(p), "enabled", false))
	days := object.get(lib.obj(p), "days", 0)
	lib.is_unknown(days)
	result := {
		"msg": sprintf("flow log \"%v\" keeps records for a number of days that is not known", [input.resource.name]),
		"path": sprintf("retention_policy[%d].days", [i]),
	}
}
