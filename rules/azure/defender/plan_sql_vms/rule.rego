# METADATA
# title: Microsoft Defender for SQL servers on machines is on (Standard tier)
# description: >-
#   An azurerm_security_center_subscription_pricing for SqlServerVirtualMachines on the Free tier
#   turns off Microsoft Defender for SQL servers on machines: no threat detection or alerts for
#   those resources. Only pricing resources for this plan are judged.
# custom:
#   id: PG-AZURE-DEFENDER-006
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_security_center_subscription_pricing]
#   frameworks:
#     cis-azure: ["2.1.4"]
#     nist-800-53: [SI-4, RA-5]
#     soc2: [CC7.2]
#   remediation: Set tier = "Standard" on the SqlServerVirtualMachines pricing.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.defender.plan_sql_vms

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
	not lib.is_unknown(v)
	lower(sprintf("%v", [v])) in {"standard"}
}

# check 0: azurerm_security_center_subscription_pricing: tier (absent = null)
present_0(o) := [key | some key in ["tier"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["tier", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_security_center_subscription_pricing"}
	lower(lib.str(pricing_type)) == "sqlservervirtualmachines"
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" leaves Defender for SQL servers on machines off (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Turn on Defender for SQL servers on machines", "ops": [{"op": "set", "path": key, "value": "Standard"}]}
	}
}

# the plan this pricing resource sets: resource_type, VirtualMachines when omitted
pricing_type := t if {
	t := object.get(attrs, "resource_type", null)
	t != null
}

pricing_type := "VirtualMachines" if object.get(attrs, "resource_type", null) == null

unknown contains result if {
	lib.is_unknown(pricing_type)
	not good(object.get(attrs, "tier", null))
	result := {
		"msg": sprintf("%s \"%v\": the Defender plan it prices is not known, and its tier is not Standard", [input.resource.type, input.resource.name]),
		"path": "resource_type",
		"expr": lib.unknown_expr(pricing_type),
	}
}
