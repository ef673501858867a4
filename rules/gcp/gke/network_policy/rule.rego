# METADATA
# title: GKE clusters enforce network policies
# description: >-
#   Without network policy enforcement NetworkPolicy objects are ignored and every pod can reach
#   every other pod. Passes with network_policy { enabled = true }, with GKE Dataplane V2
#   (datapath_provider = "ADVANCED_DATAPATH", which enforces policies natively), and on
#   Autopilot clusters.
# custom:
#   id: PG-GCP-GKE-006
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.2.1"]
#   remediation: Use datapath_provider = "ADVANCED_DATAPATH" (Dataplane V2) for new clusters, or network_policy { enabled = true } with the network policy addon.
#   fixable: false
package policyguard.rules.gcp.gke.network_policy

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

enforced if lib.truthy(object.get(obj(attrs), "enable_autopilot", false))

enforced if attrs.datapath_provider == "ADVANCED_DATAPATH"

enforced if {
	some p in arr(attrs.network_policy)
	lib.truthy(p.enabled)
}

fail contains result if {
	not enforced
	count(unresolved) == 0
	result := {
		"msg": sprintf("GKE cluster \"%v\" does not enforce network policies (no network_policy.enabled, not Dataplane V2 or Autopilot)", [input.resource.name]),
		"path": path,
	}
}

default path := "network_policy"

path := "network_policy[0].enabled" if count(arr(object.get(obj(attrs), "network_policy", []))) > 0

unresolved contains lib.unknown_expr(attrs[key]) if {
	some key in ["enable_autopilot", "datapath_provider", "network_policy"]
	lib.is_unknown(attrs[key])
}

unknown contains result if {
	not enforced
	some expr in unresolved
	result := {
		"msg": sprintf("GKE cluster \"%v\": network policy enforcement depends on %s", [input.resource.name, expr]),
		"path": "network_policy",
		"expr": expr,
	}
}
