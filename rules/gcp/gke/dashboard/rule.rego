# METADATA
# title: GKE clusters do not run the Kubernetes dashboard add-on
# description: >-
#   The Kubernetes dashboard add-on runs with a highly privileged service account and has been
#   the entry point of public cluster compromises; GKE deprecated it. Only
#   addons_config.kubernetes_dashboard with disabled = false fails.
# custom:
#   id: PG-GCP-GKE-018
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [CM-7]
#     soc2: [CC6.1]
#   remediation: Set addons_config { kubernetes_dashboard { disabled = true } } or remove the block.
#   fixable: false
package policyguard.rules.gcp.gke.dashboard

import rego.v1

import data.policyguard.lib

fail contains result if {
	some i, ac in lib.arr(lib.attr("addons_config"))
	some j, kd in lib.arr(object.get(lib.obj(ac), "kubernetes_dashboard", []))
	not lib.truthy(object.get(lib.obj(kd), "disabled", false))
	result := {
		"msg": sprintf("GKE cluster \"%v\" enables the Kubernetes dashboard add-on", [input.resource.name]),
		"path": sprintf("addons_config[%d].kubernetes_dashboard[%d].disabled", [i, j]),
	}
}
