# METADATA
# title: GKE clusters enforce Binary Authorization
# description: >-
#   Binary Authorization admits only images that satisfy the project's policy (signed by the
#   build pipeline, from allowed registries); without it any image anyone can push runs in the
#   cluster.
# custom:
#   id: PG-GCP-GKE-013
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [CM-14, SI-7]
#     soc2: [CC8.1]
#   remediation: Add binary_authorization { evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE" }.
#   fixable: false
package policyguard.rules.gcp.gke.binary_authorization

import rego.v1

import data.policyguard.lib

ba := lib.obj(lib.first(lib.attr("binary_authorization")))

enforced if ba.evaluation_mode == "PROJECT_SINGLETON_POLICY_ENFORCE"

# the deprecated boolean forms
enforced if {
	not lib.has(ba, "evaluation_mode")
	lib.truthy(object.get(ba, "enabled", false))
}

enforced if {
	ba.evaluation_mode == null
	lib.truthy(object.get(ba, "enabled", false))
}

enforced if lib.truthy(lib.attr("enable_binary_authorization"))

fail contains result if {
	not enforced
	result := {
		"msg": sprintf("GKE cluster \"%v\" does not enforce Binary Authorization (evaluation_mode = %v)", [input.resource.name, object.get(ba, "evaluation_mode", "not set")]),
		"path": path,
	}
}

path := "binary_authorization[0].evaluation_mode" if {
	lib.has(ba, "evaluation_mode")
} else := "binary_authorization"
