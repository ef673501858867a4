# METADATA
# title: AKS clusters have an automatic upgrade channel
# description: >-
#   Without an automatic upgrade channel (the default is none) the control plane and nodes only
#   receive Kubernetes patch releases, including security fixes, when someone upgrades by hand;
#   clusters drift out of support.
# custom:
#   id: PG-AZURE-AKS-008
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [azurerm_kubernetes_cluster]
#   frameworks:
#     nist-800-53: [SI-2]
#     pci-dss-4.0: ["6.3.3"]
#     soc2: [CC7.1]
#   remediation: Set automatic_upgrade_channel = "patch" (automatic_channel_upgrade in azurerm 3.x), or stable, rapid or node-image, with a maintenance window.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.azure.aks.auto_upgrade

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
	not lower(trim_space(v)) in {"none"}
}

# check 0: azurerm_kubernetes_cluster: automatic_upgrade_channel / automatic_channel_upgrade (absent = null)
present_0(o) := [key | some key in ["automatic_upgrade_channel", "automatic_channel_upgrade"]; object.get(o, key, null) != null]

setting_0(o) := [p[0], o[p[0]]] if {
	p := present_0(o)
	count(p) > 0
}

setting_0(o) := ["automatic_upgrade_channel", null] if count(present_0(o)) == 0

fail contains result if {
	input.resource.type in {"azurerm_kubernetes_cluster"}
	[key, value] := setting_0(attrs)
	not good(value)
	result := {
		"msg": sprintf("%s \"%v\" has no automatic upgrade channel (%s = %v)", [input.resource.type, input.resource.name, key, show(value)]),
		"path": key,
		"fix": {"description": "Upgrade patch releases automatically", "ops": [{"op": "set", "path": key, "value": "patch"}]}
	}
}
