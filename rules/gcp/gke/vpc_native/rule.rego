# METADATA
# title: GKE clusters are VPC-native (alias IPs)
# description: >-
#   In a routes-based cluster pod addresses are not VPC addresses: firewall rules, flow logs and
#   anti-spoofing checks cannot tell pods apart, and private clusters are impossible. New
#   clusters default to VPC_NATIVE; networking_mode = ROUTES fails.
# custom:
#   id: PG-GCP-GKE-019
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [SC-7]
#   remediation: Set networking_mode = "VPC_NATIVE" with an ip_allocation_policy (the cluster is recreated).
#   fixable: false
package policyguard.rules.gcp.gke.vpc_native

import rego.v1

import data.policyguard.lib

fail contains result if {
	v := lib.attr("networking_mode")
	is_string(v)
	upper(trim_space(v)) == "ROUTES"
	result := {
		"msg": sprintf("GKE cluster \"%v\" is routes-based (networking_mode = %v), not VPC-native", [input.resource.name, v]),
		"path": "networking_mode",
	}
}
