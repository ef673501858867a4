# METADATA
# title: Cloud DNS policies log queries
# description: >-
#   A DNS server policy with enable_logging records every query VMs of the attached networks
#   make, the main trace of malware beaconing and DNS tunnelling.
# custom:
#   id: PG-GCP-LOGGING-012
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_dns_policy]
#   frameworks:
#     cis-gcp: ["2.12"]
#     nist-800-53: [AU-12, SI-4]
#     soc2: [CC7.2]
#   remediation: Set enable_logging = true on the google_dns_policy attached to each VPC network.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.gcp.logging.dns_logging

import rego.v1

import data.policyguard.lib

fail contains result if {
	not lib.truthy(lib.attr("enable_logging"))
	result := {"msg": sprintf("DNS policy \"%v\" does not log queries", [input.resource.name]), "path": "enable_logging", "fix": {"description": "Log DNS queries", "ops": [{"op": "set", "path": "enable_logging", "value": true}]}}
}
