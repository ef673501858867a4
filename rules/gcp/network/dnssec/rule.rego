# METADATA
# title: Public Cloud DNS zones enable DNSSEC
# description: >-
#   Without DNSSEC resolvers cannot verify answers for the zone, so cache poisoning and on-path
#   spoofing can redirect its names. Private zones (visibility = private) are not judged; public
#   is the default.
# custom:
#   id: PG-GCP-NETWORK-006
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_dns_managed_zone]
#   frameworks:
#     cis-gcp: ["3.3"]
#     nist-800-53: [SC-20, SC-21]
#   remediation: Add dnssec_config { state = "on" } to public zones.
#   fixable: false
package policyguard.rules.gcp.network.dnssec

import rego.v1

import data.policyguard.lib

public if lower(lib.str(object.get(lib.obj(input.resource.attributes), "visibility", "public"))) == "public"

public if object.get(lib.obj(input.resource.attributes), "visibility", "public") == null

dc := lib.obj(lib.first(lib.attr("dnssec_config")))

fail contains result if {
	public
	not lower(lib.str(object.get(dc, "state", "off"))) in {"on", "transfer"}
	result := {
		"msg": sprintf("public DNS zone \"%v\" does not enable DNSSEC (state = %v)", [input.resource.name, object.get(dc, "state", "not set")]),
		"path": path,
	}
}

path := "dnssec_config[0].state" if {
	lib.has(dc, "state")
} else := "dnssec_config"
