# METADATA
# title: Service account tokens are not mounted unless needed
# description: >-
#   By default every pod gets a token for its service account mounted at
#   /var/run/secrets/kubernetes.io/serviceaccount; a compromised container can use it against
#   the API server. Most applications never call the API. The control passes when the pod spec
#   sets automountServiceAccountToken false, or when it leaves it unset and the pod's
#   ServiceAccount, defined in the same scan, sets it to false.
# custom:
#   id: PG-K8S-SA-001
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     nsa-k8s: ["Protecting Pod service account tokens"]
#     cis-kubernetes: ["5.1.6"]
#     nist-800-53: [AC-6, IA-5]
#   remediation: Set automountServiceAccountToken false in the pod spec (or on its ServiceAccount), and true only for pods that call the Kubernetes API.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.kubernetes.service_account.automount_token

import rego.v1

import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

namespace := object.get(obj(input.resource.attributes.metadata), "namespace", "default")

pod_spec := input.resource.pod_spec if is_object(input.resource.pod_spec)

sa_name := object.get(obj(pod_spec), "serviceAccountName", object.get(obj(pod_spec), "serviceAccount", "default"))

# The pod's ServiceAccount, when the scan defines it, opts out of automounting.
sa_opts_out if {
	some r in input.resources
	r.attributes.kind == "ServiceAccount"
	r.attributes.metadata.name == sa_name
	object.get(obj(r.attributes.metadata), "namespace", "default") == namespace
	r.attributes.automountServiceAccountToken == false
}

fix := {
	"description": "Do not mount the service account token",
	"ops": [{"op": "set", "path": "pod_spec.automountServiceAccountToken", "value": false}],
}

fail contains result if {
	not lib.has(pod_spec, "automountServiceAccountToken")
	not sa_opts_out
	result := {
		"msg": sprintf("the pod mounts the token of service account \"%v\" (automountServiceAccountToken is not set, here or on the ServiceAccount)", [sa_name]),
		"path": "pod_spec.automountServiceAccountToken",
		"fix": fix,
	}
}

fail contains result if {
	value := pod_spec.automountServiceAccountToken
	value != false
	result := {
		"msg": sprintf("the pod mounts the token of service account \"%v\" (automountServiceAccountToken: %v)", [sa_name, value]),
		"path": "pod_spec.automountServiceAccountToken",
		"fix": fix,
	}
}
