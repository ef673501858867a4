# METADATA
# title: API keys are restricted to applications, hosts or referrers
# description: >-
#   A key without browser, server, Android or iOS restrictions works from anywhere, so whoever
#   copies it from an app or page can use (and bill) it.
# custom:
#   id: PG-GCP-IAM-009
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_apikeys_key]
#   frameworks:
#     cis-gcp: ["1.13"]
#     nist-800-53: [AC-3]
#     soc2: [CC6.1]
#   remediation: Add restrictions with browser_key_restrictions, server_key_restrictions, android_key_restrictions or ios_key_restrictions.
#   fixable: false
package policyguard.rules.gcp.iam.api_key_application_restrictions

import rego.v1

import data.policyguard.lib

app_kinds := ["browser_key_restrictions", "server_key_restrictions", "android_key_restrictions", "ios_key_restrictions"]

restricted if {
	r := lib.obj(lib.first(lib.attr("restrictions")))
	some k in app_kinds
	count(lib.arr(object.get(r, k, []))) > 0
}

fail contains result if {
	not restricted
	result := {"msg": sprintf("API key \"%v\" is usable from any application or host", [input.resource.name]), "path": "restrictions"}
}
