# METADATA
# title: Defender for Cloud emails security alerts to subscription owners
# description: >-
#   With alerts_to_admins = false Defender for Cloud does not email subscription owners about
#   security alerts, so an owner may learn of a compromise late or not at all.
# custom:
#   id: PG-AZURE-DEFENDER-014
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [azurerm_security_center_contact]
#   frameworks:
#     cis-azure: ["2.1.17"]
#     nist-800-53: [IR-6, SI-4]
#     soc2: [CC7.3]
#   remediation: Set alerts_to_admins = true.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.azure.defender.alerts_to_admins

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

# check 0: azurerm_security_center_contact: alerts_to_admins (absent = null)
present_0(o) := [key | some key in ["alerts_to_admins"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["alerts_to_admins", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_security_center_contact"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" does not email security alerts to subscription owners (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Email alerts to subscription owners", "ops": [{"op": "set", "path": key, "value": true}]}
	}
}
