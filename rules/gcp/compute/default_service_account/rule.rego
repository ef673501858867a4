# METADATA
# title: Compute instances do not use the default service account
# description: >-
#   The Compute Engine default service account has the project Editor role unless that grant
#   was removed, so any process on the instance can modify most of the project. A
#   service_account block without email also selects the default account.
# custom:
#   id: PG-GCP-COMPUTE-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template]
#   frameworks:
#     cis-gcp: ["4.1"]
#     nist-800-53: [AC-6]
#     soc2: [CC6.3]
#   remediation: Create a dedicated least-privilege service account and set service_account { email = google_service_account.x.email, scopes = ["cloud-platform"] }.
#   fixable: false
package policyguard.rules.gcp.compute.default_service_account

import rego.v1

import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, sa in arr(input.resource.attributes.service_account)
	email := object.get(obj(sa), "email", "")
	is_string(email)
	endswith(email, "-compute@developer.gserviceaccount.com")
	result := {
		"msg": sprintf("instance \"%v\" runs as the Compute Engine default service account %s", [input.resource.name, email]),
		"path": sprintf("service_account[%d].email", [i]),
	}
}

fail contains result if {
	some i, sa in arr(input.resource.attributes.service_account)
	lib.falsy(object.get(obj(sa), "email", ""))
	result := {
		"msg": sprintf("instance \"%v\" service_account block names no email: it runs as the Compute Engine default service account", [input.resource.name]),
		"path": sprintf("service_account[%d]", [i]),
	}
}
