# METADATA
# title: HTTPS and SSL proxies use an SSL policy
# description: >-
#   A target HTTPS or SSL proxy without ssl_policy gets Google's default policy: COMPATIBLE
#   profile and TLS 1.0, so clients can negotiate deprecated protocol versions and weak suites.
# custom:
#   id: PG-GCP-NETWORK-013
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_target_https_proxy, google_compute_region_target_https_proxy, google_compute_target_ssl_proxy]
#   frameworks:
#     cis-gcp: ["3.9"]
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set ssl_policy = google_compute_ssl_policy.x.id with a MODERN or RESTRICTED profile and TLS 1.2.
#   fixable: false
package policyguard.rules.gcp.network.proxy_ssl_policy

import rego.v1

import data.policyguard.lib

fail contains result if {
	v := lib.attr("ssl_policy")
	not lib.is_unknown(v)
	trim_space(lib.str(v)) == ""
	result := {
		"msg": sprintf("%s \"%v\" has no SSL policy: it accepts TLS 1.0 and the COMPATIBLE cipher suites", [input.resource.type, input.resource.name]),
		"path": "ssl_policy",
	}
}
