# METADATA
# title: GKE clusters use Workload Identity
# description: >-
#   Without Workload Identity, pods reach Google APIs with the node's service account and can
#   read the node's metadata (including kube-env credentials on older clusters). Workload
#   Identity gives each Kubernetes service account its own IAM identity. Autopilot clusters
#   always have it.
# custom:
#   id: PG-GCP-GKE-004
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [AC-6, IA-2]
#   remediation: Add workload_identity_config { workload_pool = "<project-id>.svc.id.goog" } and GKE_METADATA on node pools.
#   fixable: false
package policyguard.rules.gcp.gke.workload_identity

import rego.v1

import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

attrs := input.resource.attributes

configured if {
	some cfg in arr(attrs.workload_identity_config)
	some key in ["workload_pool", "identity_namespace"]
	not lib.falsy(object.get(obj(cfg), key, ""))
}

fail contains result if {
	not lib.truthy(object.get(obj(attrs), "enable_autopilot", false))
	not lib.is_unknown(object.get(obj(attrs), "enable_autopilot", false))
	not configured
	result := {
		"msg": sprintf("GKE cluster \"%v\" does not enable Workload Identity (no workload_identity_config.workload_pool)", [input.resource.name]),
		"path": "workload_identity_config",
	}
}

unknown contains result if {
	not configured
	lib.is_unknown(attrs.enable_autopilot)
	result := {
		"msg": sprintf("GKE cluster \"%v\": whether it is an Autopilot cluster (always Workload Identity) is not known", [input.resource.name]),
		"path": "enable_autopilot",
		"expr": lib.unknown_expr(attrs.enable_autopilot),
	}
}
