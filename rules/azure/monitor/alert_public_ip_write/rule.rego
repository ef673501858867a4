# METADATA
# title: An activity log alert fires on create or update public IP address
# description: >-
#   Without an activity log alert on Microsoft.Network/publicIPAddresses/write (create or update
#   public IP address) the change goes unnoticed until someone reads the activity log. Judged on
#   the scan unit that manages activity log alerts: one of its azurerm_monitor_activity_log_alert
#   resources, enabled, must have criteria with category Administrative and this operation_name.
#   The finding is attached to the unit's first alert by address; a unit without any activity log
#   alert is not judged (alerting lives elsewhere).
# custom:
#   id: PG-AZURE-MONITOR-011
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [azurerm_monitor_activity_log_alert]
#   frameworks:
#     cis-azure: ["5.2.9"]
#     nist-800-53: [AU-6, SI-4]
#     pci-dss-4.0: ["10.4.1"]
#     soc2: [CC7.2]
#   remediation: Add an azurerm_monitor_activity_log_alert on the subscription with criteria { category = "Administrative", operation_name = "Microsoft.Network/publicIPAddresses/write" } and an action group.
#   fixable: false
package policyguard.rules.azure.monitor.alert_public_ip_write

import rego.v1

import data.policyguard.lib

# Activity log alerts are subscription-wide and usually live in one baseline unit. The finding is
# attached to the unit's azurerm_monitor_activity_log_alert resources: the unit that manages alerting
# must have one enabled alert on "microsoft.network/publicipaddresses/write" (category Administrative). Only the first alert by address
# carries the failure, so a unit with ten alerts gets one finding; the others pass. A unit with no
# activity log alert gets no verdict: its alerting is managed elsewhere and cannot be judged here.
alerts := [r |
	some r in input.resources
	r.type == "azurerm_monitor_activity_log_alert"
]

anchor := sort([r.id | some r in alerts])[0]

operation := "microsoft.network/publicipaddresses/write"

criteria_of(r) := lib.arr(object.get(lib.obj(r.attributes), "criteria", []))

enabled(r) if not disabled(r)

disabled(r) if object.get(lib.obj(r.attributes), "enabled", true) == false

disabled(r) if lower(lib.str(object.get(lib.obj(r.attributes), "enabled", ""))) == "false"

watches(r) if {
	enabled(r)
	some c in criteria_of(r)
	co := lib.obj(c)
	lower(trim_space(lib.str(object.get(co, "category", "")))) == "administrative"
	lower(trim_space(lib.str(object.get(co, "operation_name", "")))) == operation
}

# an alert whose criteria, category or operation is unresolved might be the one
maybe(r) if lib.is_unknown(object.get(lib.obj(r.attributes), "criteria", null))

maybe(r) if {
	some c in criteria_of(r)
	co := lib.obj(c)
	some key in ["category", "operation_name"]
	lib.is_unknown(object.get(co, key, null))
}

maybe(r) if lib.is_unknown(object.get(lib.obj(r.attributes), "enabled", null))

covered if {
	some r in alerts
	watches(r)
}

undecided contains r.id if {
	some r in alerts
	maybe(r)
}

fail contains result if {
	input.resource.id == anchor
	not covered
	count(undecided) == 0
	result := {
		"msg": sprintf("no enabled activity log alert in this unit fires on %s (%s); this alert is the unit's first", ["Microsoft.Network/publicIPAddresses/write", "create or update public IP address"]),
		"path": "criteria",
	}
}

unknown contains result if {
	input.resource.id == anchor
	not covered
	count(undecided) > 0
	result := {
		"msg": sprintf("no activity log alert in this unit is known to fire on %s (%s): %s unresolved", ["Microsoft.Network/publicIPAddresses/write", "create or update public IP address", concat(", ", sort([x | some x in undecided]))]),
		"path": "criteria",
		"expr": sprintf("criteria of %s", [concat(", ", sort([x | some x in undecided]))]),
	}
}
