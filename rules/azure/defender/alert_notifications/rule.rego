# METADATA
# title: Defender for Cloud emails security alerts to the contact
# description: >-
#   With alert_notifications = false the security contact receives no email about high-severity
#   Defender for Cloud alerts, so detections wait until someone opens the portal.
# custom:
#   id: PG-AZURE-DEFENDER-002
#   severity: medium
#   profile: baseline
#   confidence: medium
#   resource_types:
#     terraform: [azurerm_security_center_contact]
#   frameworks:
#     cis-azure: ["2.1.19"]
#     nist-800-53: [IR-6, SI-4]
#     soc2: [CC7.3]
#   remediation: Set alert_notifications = true.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.azure.defender.alert_notifications

import rego.v1

import data.policyguard.lib

# show(v): v for messages, "not set" for null, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := "not set" if v == null

show(v) := v if {
	not lib.is_unknown(v)
	v != null
}

attrs := lib.obj(input.resource.attributes)

# good(v): the value is the secure setting
good(v) if lib.truthy(v)

# check 0: azurerm_security_center_contact: alert_notifications (absent = null)
present_0(o) := [key | some key in ["alert_notifications"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["alert_notifications", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_security_center_contact"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" does not email security alerts (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Email security alerts", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
