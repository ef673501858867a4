# METADATA
# title: VPC subnets enable Private Google Access
# description: >-
#   Without Private Google Access, VMs without external addresses cannot reach Google APIs,
#   which pushes teams to give them public IPs or route API traffic through the Internet. Off by
#   default.
# custom:
#   id: PG-GCP-NETWORK-010
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_compute_subnetwork]
#   frameworks:
#     nist-800-53: [SC-7]
#   remediation: Set private_ip_google_access = true.
#   fixable: false
package policyguard.rules.gcp.network.subnet_private_google_access

import rego.v1

import data.policyguard.lib

# proxy-only and Private Service Connect subnets carry no VM traffic: flow logs and private
# Google access do not apply to them
proxy_only if upper(lib.str(lib.attr("purpose"))) in {"REGIONAL_MANAGED_PROXY", "GLOBAL_MANAGED_PROXY", "INTERNAL_HTTPS_LOAD_BALANCER", "PRIVATE_SERVICE_CONNECT"}

fail contains result if {
	not proxy_only
	not lib.truthy(lib.attr("private_ip_google_access"))
	result := {
		"msg": sprintf("subnet \"%v\" does not enable Private Google Access", [input.resource.name]),
		"path": "private_ip_google_access",
	}
}
