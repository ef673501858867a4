# METADATA
# title: Validating webhooks fail closed
# description: >-
#   failurePolicy: Ignore admits every object when the webhook is down, slow or unreachable: an
#   attacker who can disrupt the webhook (or a plain outage) turns the policy it enforces off
#   silently.
# custom:
#   id: PG-K8S-WEBHOOK-001
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration]
#   frameworks:
#     nsa-k8s: ["Pod security"]
#     nist-800-53: ["SC-24"]
#   remediation: "Set failurePolicy: Fail (the v1 default) and run the webhook highly available."
#   fixable: false
package policyguard.rules.kubernetes.webhook.failure_policy_ignore

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, w in arr(object.get(input.resource.attributes, "webhooks", []))
	object.get(obj(w), "failurePolicy", "Fail") == "Ignore"
	result := {
		"msg": sprintf("webhook \"%v\" admits everything when it fails (failurePolicy: Ignore)", [object.get(obj(w), "name", "<unnamed>")]),
		"path": sprintf("webhooks[%d].failurePolicy", [i]),
	}
}
