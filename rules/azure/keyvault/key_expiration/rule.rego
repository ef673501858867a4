# METADATA
# title: Key Vault keys have an expiration date
# description: >-
#   A key without expiration_date stays valid forever, so a leaked or weak key is never forced out
#   of use. The provider sets no expiry unless one is given.
# custom:
#   id: PG-AZURE-KEYVAULT-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_key_vault_key]
#   frameworks:
#     cis-azure: ["8.1", "8.2"]
#     nist-800-53: [SC-12]
#     pci-dss-4.0: ["3.7.4"]
#     soc2: [CC6.1]
#   remediation: Set expiration_date (RFC 3339) and rotate the key before it (rotation_policy can renew it automatically).
#   fixable: false
package policyguard.rules.azure.keyvault.key_expiration

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

# check 0: azurerm_key_vault_key: expiration_date (absent = null)
present_0(o) := [key | some key in ["expiration_date"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["expiration_date", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_key_vault_key"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" never expires (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key
	}
}
