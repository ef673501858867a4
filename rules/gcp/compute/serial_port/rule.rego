# METADATA
# title: Interactive serial console access is disabled
# description: >-
#   With serial-port-enable set, anyone with the right IAM role can reach the instance's serial
#   console from any IP address; firewall rules do not apply to it. Checks instance metadata and
#   project-wide metadata.
# custom:
#   id: PG-GCP-COMPUTE-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template, google_compute_project_metadata, google_compute_project_metadata_item]
#   frameworks:
#     cis-gcp: ["4.5"]
#     nist-800-53: [AC-17, CM-7]
#   remediation: Set serial-port-enable to "FALSE" in the metadata (or remove the key).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.compute.serial_port

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

key := "serial-port-enable"

fail contains result if {
	input.resource.type != "google_compute_project_metadata_item"
	value := input.resource.attributes.metadata[key]
	not lib.falsy(value)
	path := sprintf("metadata[\"%v\"]", [key])
	result := {
		"msg": sprintf("%s \"%v\" enables the interactive serial console (serial-port-enable = %v)", [input.resource.type, input.resource.name, show(value)]),
		"path": path,
		"fix": {"description": "Disable the serial console", "ops": [{"op": "set", "path": path, "value": "FALSE"}]},
	}
}

fail contains result if {
	input.resource.type == "google_compute_project_metadata_item"
	input.resource.attributes.key == key
	value := input.resource.attributes.value
	not lib.falsy(value)
	result := {
		"msg": sprintf("project metadata enables the interactive serial console for every instance (serial-port-enable = %v)", [value]),
		"path": "value",
		"fix": {"description": "Disable the serial console", "ops": [{"op": "set", "path": "value", "value": "false"}]},
	}
}
