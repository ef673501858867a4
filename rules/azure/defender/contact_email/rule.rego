# METADATA
# title: Defender for Cloud has a security contact email
# description: >-
#   Without a security contact email Microsoft cannot reach your security team about a compromised
#   resource or a high-severity alert; notifications go to subscription owners only, if at all.
# custom:
#   id: PG-AZURE-DEFENDER-001
#   severity: medium
#   profile: baseline
#   confidence: medium
#   resource_types:
#     terraform: [azurerm_security_center_contact]
#   frameworks:
#     cis-azure: ["2.1.18"]
#     nist-800-53: [IR-6]
#     soc2: [CC7.3]
#   remediation: Set email on azurerm_security_center_contact to a monitored security mailbox.
#   fixable: false
package policyguard.rules.azure.defender.contact_email

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
good(v) if {
	is_string(v)
	trim_space(v) != ""
}

# an expression that computes a value (a resource attribute known after apply, timeadd(timestamp(), ...))
# is set; a bare variable, local or module output may be null or empty, and one that mentions null may
# choose it: those stay unknown
good(v) if {
	lib.is_unknown(v)
	expr := lib.str(lib.unknown_expr(v))
	not regex.match(`^(var|local|each|module|count)\.`, expr)
	not contains(expr, "null")
}

# check 0: azurerm_security_center_contact: email (absent = null)
present_0(o) := [key | some key in ["email"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["email", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_security_center_contact"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" has no security contact email (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}
