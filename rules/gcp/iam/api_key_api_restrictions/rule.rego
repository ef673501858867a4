# METADATA
# title: API keys are restricted to the APIs they call
# description: >-
#   An API key without api_targets can call every enabled API of the project; a leaked key (they
#   sit in apps and web pages) is then usable against all of them.
# custom:
#   id: PG-GCP-IAM-008
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_apikeys_key]
#   frameworks:
#     cis-gcp: ["1.14"]
#     nist-800-53: [AC-6]
#     soc2: [CC6.1]
#   remediation: Add restrictions { api_targets { service = "<api>.googleapis.com" } }.
#   fixable: false
package policyguard.rules.gcp.iam.api_key_api_restrictions

import rego.v1

import data.policyguard.lib

fail contains result if {
	r := lib.obj(lib.first(lib.attr("restrictions")))
	count(lib.arr(object.get(r, "api_targets", []))) == 0
	result := {"msg": sprintf("API key \"%v\" may call every enabled API (no api_targets)", [input.resource.name]), "path": "restrictions"}
}
