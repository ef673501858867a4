# METADATA
# title: OS Login is enabled for the project and not turned off on instances
# description: >-
#   OS Login ties SSH access to IAM identities (roles/compute.osLogin, 2-step verification,
#   immediate revocation) instead of keys pasted into metadata. It is enabled in project
#   metadata (google_compute_project_metadata or a google_compute_project_metadata_item enable-
#   oslogin = TRUE); an instance or template that sets enable-oslogin = FALSE opts out.
# custom:
#   id: PG-GCP-COMPUTE-008
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_project_metadata, google_compute_project_metadata_item, google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template]
#   frameworks:
#     cis-gcp: ["4.4"]
#     nist-800-53: [AC-2, IA-2]
#     soc2: [CC6.1]
#   remediation: Set enable-oslogin = "TRUE" in project metadata and remove enable-oslogin = "FALSE" from instances.
#   fixable: false
package policyguard.rules.gcp.compute.os_login

import rego.v1

import data.policyguard.lib

key := "enable-oslogin"

md := lib.obj(lib.attr("metadata"))

fail contains result if {
	input.resource.type == "google_compute_project_metadata"
	not lib.truthy(object.get(md, key, "not set"))
	result := {
		"msg": sprintf("project metadata does not enable OS Login (enable-oslogin = %v)", [object.get(md, key, "not set")]),
		"path": path,
	}
}

path := sprintf("metadata[\"%s\"]", [key]) if {
	lib.has(md, key)
} else := "metadata"

fail contains result if {
	input.resource.type == "google_compute_project_metadata_item"
	lib.attr("key") == key
	not lib.truthy(lib.attr("value"))
	result := {"msg": sprintf("project metadata item sets enable-oslogin = %v", [lib.attr("value")]), "path": "value"}
}

fail contains result if {
	not input.resource.type in {"google_compute_project_metadata", "google_compute_project_metadata_item"}
	lib.has(md, key)
	not lib.truthy(md[key])
	result := {
		"msg": sprintf("%s \"%v\" turns OS Login off (enable-oslogin = %v)", [input.resource.type, input.resource.name, md[key]]),
		"path": sprintf("metadata[\"%s\"]", [key]),
	}
}
