# METADATA
# title: No long-lived service account token Secrets
# description: >-
#   A Secret of type kubernetes.io/service-account-token holds a token that never expires and
#   survives the pods that used it; since 1.24 pods get short-lived projected tokens instead, and
#   leaked long-lived tokens are a common persistence path.
# custom:
#   id: PG-K8S-SECRET-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [v1/Secret]
#   frameworks:
#     nsa-k8s: ["Authentication"]
#     cis-kubernetes: ["5.1.6"]
#     nist-800-53: ["IA-5"]
#   remediation: Delete the Secret; use projected service account tokens (or the TokenRequest API) with an expiry.
#   fixable: false
package policyguard.rules.kubernetes.secrets.service_account_token

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	object.get(input.resource.attributes, "type", "") == "kubernetes.io/service-account-token"
	md := obj(object.get(input.resource.attributes, "metadata", {}))
	sa := object.get(obj(object.get(md, "annotations", {})), "kubernetes.io/service-account.name", "")
	result := {"msg": sprintf("Secret requests a long-lived token for service account \"%v\"", [sa]), "path": "type"}
}
