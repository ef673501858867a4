# METADATA
# title: DNSSEC zone-signing keys do not use RSASHA1
# description: >-
#   RSASHA1 relies on SHA-1, for which practical chosen-prefix collisions exist; a zone-signing
#   key using it weakens every signature of the zone. Use RSASHA256, RSASHA512 or ECDSA.
# custom:
#   id: PG-GCP-NETWORK-008
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_dns_managed_zone]
#   frameworks:
#     cis-gcp: ["3.5"]
#     nist-800-53: [SC-13, SC-20]
#   remediation: Set dnssec_config.default_key_specs { key_type = "zoneSigning", algorithm = "rsasha256" } (or ecdsap256sha256).
#   fixable: false
package policyguard.rules.gcp.network.dnssec_rsasha1_zone_signing

import rego.v1

import data.policyguard.lib

fail contains result if {
	some i, dc in lib.arr(lib.attr("dnssec_config"))
	some j, ks in lib.arr(object.get(lib.obj(dc), "default_key_specs", []))
	lower(lib.str(object.get(lib.obj(ks), "key_type", ""))) == lower("zoneSigning")
	lower(lib.str(object.get(lib.obj(ks), "algorithm", ""))) == "rsasha1"
	result := {
		"msg": sprintf("DNS zone \"%v\" signs with RSASHA1 zone-signing keys", [input.resource.name]),
		"path": sprintf("dnssec_config[%d].default_key_specs[%d].algorithm", [i, j]),
	}
}
