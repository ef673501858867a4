# METADATA
# title: GKE clusters send metrics to Cloud Monitoring
# description: >-
#   monitoring_service = "none" (or an empty monitoring_config component list) leaves the
#   cluster without system metrics, so resource exhaustion and anomalies go unseen; the legacy
#   monitoring.googleapis.com service is no longer supported. The default is Cloud Monitoring
#   for Kubernetes.
# custom:
#   id: PG-GCP-GKE-017
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [SI-4]
#     soc2: [CC7.2]
#   remediation: Remove monitoring_service or set it to "monitoring.googleapis.com/kubernetes".
#   fixable: false
package policyguard.rules.gcp.gke.monitoring_service

import rego.v1

import data.policyguard.lib

fail contains result if {
	v := lib.attr("monitoring_service")
	is_string(v)
	lower(trim_space(v)) in {"none", "monitoring.googleapis.com"}
	result := {
		"msg": sprintf("GKE cluster \"%v\" sets monitoring_service = %v", [input.resource.name, v]),
		"path": "monitoring_service",
	}
}

# an explicit, empty list of components turns collection off
fail contains result if {
	some i, c in lib.arr(lib.attr("monitoring_config"))
	comps := object.get(lib.obj(c), "enable_components", null)
	is_array(comps)
	count(comps) == 0
	result := {
		"msg": sprintf("GKE cluster \"%v\" enables no monitoring components", [input.resource.name]),
		"path": sprintf("monitoring_config[%d].enable_components", [i]),
	}
}
