# METADATA
# title: GKE clusters send logs to Cloud Logging
# description: >-
#   logging_service = "none" (or an empty logging_config component list) stops system and
#   workload logs from reaching Cloud Logging, so there is nothing to investigate after an
#   incident; the legacy logging.googleapis.com service is no longer supported. The default is
#   Cloud Logging for Kubernetes.
# custom:
#   id: PG-GCP-GKE-016
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [AU-2, AU-12]
#     soc2: [CC7.2]
#   remediation: Remove logging_service or set it to "logging.googleapis.com/kubernetes".
#   fixable: false
package policyguard.rules.gcp.gke.logging_service

import rego.v1

import data.policyguard.lib

fail contains result if {
	v := lib.attr("logging_service")
	is_string(v)
	lower(trim_space(v)) in {"none", "logging.googleapis.com"}
	result := {
		"msg": sprintf("GKE cluster \"%v\" sets logging_service = %v", [input.resource.name, v]),
		"path": "logging_service",
	}
}

# an explicit, empty list of components turns collection off
fail contains result if {
	some i, c in lib.arr(lib.attr("logging_config"))
	comps := object.get(lib.obj(c), "enable_components", null)
	is_array(comps)
	count(comps) == 0
	result := {
		"msg": sprintf("GKE cluster \"%v\" enables no logging components", [input.resource.name]),
		"path": sprintf("logging_config[%d].enable_components", [i]),
	}
}
