# METADATA
# title: Instances block project-wide SSH keys
# description: >-
#   A key in project metadata opens SSH to every instance of the project that does not set
#   block-project-ssh-keys, so one leaked project key reaches them all. Instances with OS Login
#   on (enable-oslogin = TRUE) ignore metadata keys and pass; an instance created from a
#   template inherits the template's metadata and is judged only on what it sets.
# custom:
#   id: PG-GCP-COMPUTE-007
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template]
#   frameworks:
#     cis-gcp: ["4.3"]
#     nist-800-53: [AC-2, IA-2]
#     soc2: [CC6.1]
#   remediation: Set metadata = { block-project-ssh-keys = "TRUE" } (or enable OS Login).
#   fixable: false
package policyguard.rules.gcp.compute.block_project_ssh_keys

import rego.v1

import data.policyguard.lib

md := lib.obj(lib.attr("metadata"))

key := "block-project-ssh-keys"

oslogin if lib.truthy(object.get(md, "enable-oslogin", false))

inherits if input.resource.type == "google_compute_instance_from_template"

fail contains result if {
	not oslogin
	lib.has(md, key)
	not lib.truthy(md[key])
	result := {
		"msg": sprintf("%s \"%v\" accepts project-wide SSH keys (block-project-ssh-keys = %v)", [input.resource.type, input.resource.name, md[key]]),
		"path": sprintf("metadata[\"%s\"]", [key]),
	}
}

fail contains result if {
	not oslogin
	not inherits
	not lib.has(md, key)
	result := {
		"msg": sprintf("%s \"%v\" accepts project-wide SSH keys (block-project-ssh-keys not set)", [input.resource.type, input.resource.name]),
		"path": "metadata",
	}
}
