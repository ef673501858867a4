# METADATA
# title: Cloud NAT gateways log translations
# description: >-
#   Without NAT logging there is no record of which VM opened which outbound connection through
#   the shared NAT addresses, so abuse reports against those addresses cannot be traced to a
#   workload.
# custom:
#   id: PG-GCP-NETWORK-014
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_compute_router_nat]
#   frameworks:
#     nist-800-53: [AU-12]
#     soc2: [CC7.2]
#   remediation: Add log_config { enable = true, filter = "ALL" } (or ERRORS_ONLY at least).
#   fixable: true
#   fix_safety: safe
package policyguard.rules.gcp.network.nat_logging

import rego.v1

import data.policyguard.lib

fail contains result if {
	count(lib.arr(lib.attr("log_config"))) == 0
	result := {"msg": sprintf("Cloud NAT \"%v\" does not log (no log_config)", [input.resource.name]), "path": "log_config", "fix": {"description": "Log NAT translations", "ops": [{"op": "set", "path": "log_config", "value": [{"enable": true, "filter": "ALL"}]}]}}
}

fail contains result if {
	some i, lc in lib.arr(lib.attr("log_config"))
	not lib.truthy(object.get(lib.obj(lc), "enable", false))
	result := {"msg": sprintf("Cloud NAT \"%v\" turns logging off", [input.resource.name]), "path": sprintf("log_config[%d].enable", [i]), "fix": {"description": "Log NAT translations", "ops": [{"op": "set", "path": sprintf("log_config[%d].enable", [i]), "value": true}]}}
}
