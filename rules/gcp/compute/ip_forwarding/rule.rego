# METADATA
# title: Compute instances do not forward IP packets
# description: >-
#   can_ip_forward lets the instance send and receive packets for addresses other than its own,
#   bypassing the VPC's anti-spoofing. Only NAT, VPN and router appliances need it; suppress the
#   rule for those.
# custom:
#   id: PG-GCP-COMPUTE-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template]
#   frameworks:
#     cis-gcp: ["4.6"]
#     nist-800-53: [SC-7, CM-7]
#   remediation: Set can_ip_forward = false (or remove it).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.compute.ip_forwarding

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

fail contains result if {
	lib.has(input.resource.attributes, "can_ip_forward")
	value := input.resource.attributes.can_ip_forward
	not lib.falsy(value)
	result := {
		"msg": sprintf("instance \"%v\" forwards IP packets (can_ip_forward = %v)", [input.resource.name, show(value)]),
		"path": "can_ip_forward",
		"fix": {"description": "Disable IP forwarding", "ops": [{"op": "set", "path": "can_ip_forward", "value": false}]},
	}
}
