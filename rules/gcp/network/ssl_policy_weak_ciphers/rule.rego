# METADATA
# title: SSL policies do not offer weak cipher suites
# description: >-
#   The COMPATIBLE profile (the default) offers every cipher suite Google supports, RSA key
#   exchange without forward secrecy and CBC-mode suites included; a CUSTOM profile may add them
#   one by one. Use MODERN or RESTRICTED, or a CUSTOM list of forward-secret AEAD suites.
# custom:
#   id: PG-GCP-NETWORK-012
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
#   remediation: Set profile = "MODERN" (with min_tls_version TLS_1_2) or "RESTRICTED".
#   fixable: false
package policyguard.rules.gcp.network.ssl_policy_weak_ciphers

import rego.v1

import data.policyguard.lib

profile := object.get(lib.obj(input.resource.attributes), "profile", null)

# suites without forward secrecy or with CBC/3DES (the features an SSL policy can list)
weak_features := {
	"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_CBC_SHA",
	"TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
}

fail contains result if {
	profile == null
	result := {"msg": sprintf("SSL policy \"%v\" uses the default COMPATIBLE profile, which offers weak cipher suites", [input.resource.name]), "path": "profile"}
}

fail contains result if {
	upper(lib.str(profile)) == "COMPATIBLE"
	result := {"msg": sprintf("SSL policy \"%v\" uses the COMPATIBLE profile, which offers weak cipher suites", [input.resource.name]), "path": "profile"}
}

fail contains result if {
	upper(lib.str(profile)) == "CUSTOM"
	some i, f in lib.arr(lib.attr("custom_features"))
	upper(lib.str(f)) in weak_features
	result := {"msg": sprintf("SSL policy \"%v\" offers the weak cipher suite %v", [input.resource.name, f]), "path": sprintf("custom_features[%d]", [i])}
}
