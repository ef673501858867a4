# METADATA
# title: HTTP Cloud Functions do not accept traffic from everywhere
# description: >-
#   ingress_settings ALLOW_ALL (the default) lets the function's URL be called from the
#   Internet, bypassing VPC Service Controls and any load balancer with Cloud Armor in front of
#   it. Event-triggered functions are not judged.
# custom:
#   id: PG-GCP-FUNCTIONS-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_cloudfunctions_function, google_cloudfunctions2_function]
#   frameworks:
#     nist-800-53: [SC-7]
#     soc2: [CC6.6]
#   remediation: >-
#     Set ingress_settings = "ALLOW_INTERNAL_ONLY" or "ALLOW_INTERNAL_AND_GCLB" (2nd gen:
#     service_config.ingress_settings).
#   fixable: false
package policyguard.rules.gcp.functions.ingress_all

import rego.v1

import data.policyguard.lib

event_triggered if count(lib.arr(lib.attr("event_trigger"))) > 0

event_triggered if {
	input.resource.type == "google_cloudfunctions_function"
	lib.has(input.resource.attributes, "trigger_http")
	lib.falsy(input.resource.attributes.trigger_http)
	input.resource.attributes.trigger_http != null
}

setting := {"value": object.get(lib.obj(input.resource.attributes), "ingress_settings", null), "path": "ingress_settings"} if input.resource.type == "google_cloudfunctions_function"

setting := {"value": object.get(lib.obj(lib.first(lib.attr("service_config"))), "ingress_settings", null), "path": "service_config[0].ingress_settings"} if input.resource.type == "google_cloudfunctions2_function"

fail contains result if {
	not event_triggered
	v := setting.value
	not lib.is_unknown(v)
	upper(lib.str(v)) in {"ALLOW_ALL", ""}
	result := {"msg": sprintf("Cloud Function \"%v\" accepts traffic from the Internet (ingress_settings = %v)", [input.resource.name, shown(v)]), "path": setting.path}
}

shown(v) := v if v != null

shown(v) := "not set, default ALLOW_ALL" if v == null
