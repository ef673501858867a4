# METADATA
# title: SSL policies require TLS 1.2 or later
# description: >-
#   An SSL policy's min_tls_version defaults to TLS_1_0, so load balancers using it still
#   negotiate TLS 1.0 and 1.1, which lack modern cipher suites and are deprecated (RFC 8996).
#   The RESTRICTED profile offers only TLS 1.2 suites, so it passes whatever the minimum.
# custom:
#   id: PG-GCP-NETWORK-011
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_ssl_policy]
#   frameworks:
#     cis-gcp: ["3.9"]
#     nist-800-53: [SC-8, SC-13]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: [CC6.7]
#   remediation: Set min_tls_version = "TLS_1_2".
#   fixable: false
package policyguard.rules.gcp.network.ssl_policy_min_tls

import rego.v1

import data.policyguard.lib

v := object.get(lib.obj(input.resource.attributes), "min_tls_version", null)

# every suite of the RESTRICTED profile needs TLS 1.2: older clients cannot negotiate any
restricted if upper(lib.str(lib.attr("profile"))) == "RESTRICTED"

fail contains result if {
	not restricted
	not upper(lib.str(v)) in {"TLS_1_2", "TLS_1_3"}
	not lib.is_unknown(v)
	result := {
		"msg": sprintf("SSL policy \"%v\" accepts TLS below 1.2 (min_tls_version = %v)", [input.resource.name, default_text]),
		"path": "min_tls_version",
	}
}

unknown contains result if {
	not restricted
	lib.is_unknown(v)
	result := {"msg": sprintf("SSL policy \"%v\": min_tls_version is not known", [input.resource.name]), "path": "min_tls_version", "expr": lib.unknown_expr(v)}
}

default_text := v if {
	v != null
} else := "not set, default TLS_1_0"
