# METADATA
# title: GKE clusters disable legacy ABAC
# description: >-
#   Legacy attribute-based access control grants broad, static permissions that bypass
#   Kubernetes RBAC (including to node service accounts). It is off by default; this rule fails
#   when a configuration enables it.
# custom:
#   id: PG-GCP-GKE-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [AC-3, AC-6]
#     soc2: [CC6.3]
#   remediation: Set enable_legacy_abac = false (or remove it) and grant access through RBAC.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.gke.legacy_abac

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

fail contains result if {
	lib.has(input.resource.attributes, "enable_legacy_abac")
	value := input.resource.attributes.enable_legacy_abac
	not lib.falsy(value)
	result := {
		"msg": sprintf("GKE cluster \"%v\" enables legacy ABAC (enable_legacy_abac = %v)", [input.resource.name, show(value)]),
		"path": "enable_legacy_abac",
		"fix": {"description": "Disable legacy ABAC", "ops": [{"op": "set", "path": "enable_legacy_abac", "value": false}]},
	}
}
