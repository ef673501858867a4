# METADATA
# title: Compute instances use Shielded VM secure boot
# description: >-
#   Secure boot only runs signed boot components, so rootkits and bootkits cannot persist below
#   the operating system. enable_secure_boot defaults to false (vTPM and integrity monitoring
#   default to true). Requires a Shielded VM compatible image, which all current public images are.
# custom:
#   id: PG-GCP-COMPUTE-004
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template]
#   frameworks:
#     cis-gcp: ["4.8"]
#     nist-800-53: [SI-7]
#   remediation: Add shielded_instance_config { enable_secure_boot = true, enable_vtpm = true, enable_integrity_monitoring = true }.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.compute.shielded_vm

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

attrs := input.resource.attributes

fail contains result if {
	count(arr(object.get(obj(attrs), "shielded_instance_config", []))) == 0
	result := {
		"msg": sprintf("instance \"%v\" does not enable Shielded VM secure boot (no shielded_instance_config)", [input.resource.name]),
		"path": "shielded_instance_config",
		"fix": {"description": "Enable Shielded VM", "ops": [{"op": "add", "path": "shielded_instance_config", "value": {
			"enable_secure_boot": true, "enable_vtpm": true, "enable_integrity_monitoring": true,
		}}]},
	}
}

fail contains result if {
	some i, cfg in arr(attrs.shielded_instance_config)
	value := object.get(obj(cfg), "enable_secure_boot", false)
	not lib.truthy(value)
	path := sprintf("shielded_instance_config[%d].enable_secure_boot", [i])
	result := {
		"msg": sprintf("instance \"%v\" does not enable secure boot (enable_secure_boot = %v)", [input.resource.name, show(value)]),
		"path": path,
		"fix": {"description": "Enable secure boot", "ops": [{"op": "set", "path": path, "value": true}]},
	}
}
