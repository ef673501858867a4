# METADATA
# title: GKE clusters do not issue client certificates
# description: >-
#   A client certificate issued at cluster creation is a long-lived credential with cluster-
#   admin rights that cannot be revoked short of rotating the cluster CA. It is off by default.
# custom:
#   id: PG-GCP-GKE-008
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [IA-5]
#     soc2: [CC6.1]
#   remediation: Set master_auth.client_certificate_config.issue_client_certificate = false (or remove the block).
#   fixable: false
package policyguard.rules.gcp.gke.client_certificate

import rego.v1

import data.policyguard.lib

fail contains result if {
	some i, ma in lib.arr(lib.attr("master_auth"))
	some j, cc in lib.arr(object.get(lib.obj(ma), "client_certificate_config", []))
	v := object.get(lib.obj(cc), "issue_client_certificate", false)
	issued(v)
	result := {
		"msg": sprintf("GKE cluster \"%v\" issues a long-lived admin client certificate", [input.resource.name]),
		"path": sprintf("master_auth[%d].client_certificate_config[%d].issue_client_certificate", [i, j]),
	}
}

issued(v) if lib.truthy(v)

issued(v) if lib.is_unknown(v)
