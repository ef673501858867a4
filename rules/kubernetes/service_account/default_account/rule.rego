# METADATA
# title: Workloads do not use the default service account
# description: >-
#   Every pod that names no service account runs as the namespace's default one, so
#   permissions granted to it for one workload leak to all of them. Give each workload its own
#   ServiceAccount.
# custom:
#   id: PG-K8S-SA-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     kubernetes: [workload]
#   frameworks:
#     cis-kubernetes: ["5.1.5"]
#     nist-800-53: [AC-6, IA-2]
#   remediation: Create a dedicated ServiceAccount for the workload and set spec.serviceAccountName in the pod template.
#   fixable: false
package policyguard.rules.kubernetes.service_account.default_account

import rego.v1

import data.policyguard.lib

fail contains result if {
	is_object(input.resource.pod_spec)
	not lib.has(input.resource.pod_spec, "serviceAccountName")
	not lib.has(input.resource.pod_spec, "serviceAccount")
	result := {
		"msg": "the pod names no service account and runs as the namespace's default service account",
		"path": "pod_spec.serviceAccountName",
	}
}

fail contains result if {
	some field in ["serviceAccountName", "serviceAccount"]
	input.resource.pod_spec[field] == "default"
	result := {
		"msg": sprintf("the pod runs as the default service account (%s: default)", [field]),
		"path": sprintf("pod_spec.%s", [field]),
	}
}
