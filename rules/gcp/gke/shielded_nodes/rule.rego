# METADATA
# title: GKE clusters keep Shielded GKE Nodes enabled
# description: >-
#   Shielded GKE Nodes give nodes a verifiable identity and integrity (secure boot, vTPM), so a
#   compromised pod cannot impersonate a node to the control plane. enable_shielded_nodes
#   defaults to true; this rule fails when a configuration disables it.
# custom:
#   id: PG-GCP-GKE-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [SI-7, IA-3]
#   remediation: Set enable_shielded_nodes = true (or remove it).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.gke.shielded_nodes

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

fail contains result if {
	lib.has(input.resource.attributes, "enable_shielded_nodes")
	value := input.resource.attributes.enable_shielded_nodes
	not lib.truthy(value)
	result := {
		"msg": sprintf("GKE cluster \"%v\" disables Shielded GKE Nodes (enable_shielded_nodes = %v)", [input.resource.name, show(value)]),
		"path": "enable_shielded_nodes",
		"fix": {"description": "Enable Shielded GKE Nodes", "ops": [{"op": "set", "path": "enable_shielded_nodes", "value": true}]},
	}
}
