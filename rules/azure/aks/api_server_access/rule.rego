# METADATA
# title: AKS API servers are private or restricted to authorized IP ranges
# description: >-
#   A public AKS API server without authorized IP ranges is reachable from the whole Internet;
#   only authentication stands between attackers and the control plane. Passes when the cluster
#   is private (private_cluster_enabled) or lists authorized ranges (api_server_access_profile
#   authorized_ip_ranges, or api_server_authorized_ip_ranges in azurerm v3) without 0.0.0.0/0.
# custom:
#   id: PG-AZURE-AKS-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [azurerm_kubernetes_cluster]
#   frameworks:
#     nist-800-53: [SC-7, AC-17]
#     pci-dss-4.0: ["1.3.1"]
#   remediation: Set private_cluster_enabled = true, or api_server_access_profile { authorized_ip_ranges = [...] } with your administration networks.
#   fixable: false
package policyguard.rules.azure.aks.api_server_access

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

ranges := array.concat(
	arr(object.get(obj(attrs), "api_server_authorized_ip_ranges", [])),
	[r | some p in arr(object.get(obj(attrs), "api_server_access_profile", [])); some r in arr(object.get(obj(p), "authorized_ip_ranges", []))],
)

private if lib.truthy(attrs.private_cluster_enabled)

# Unresolved inputs the decision depends on (a variable for the ranges or the private flag, a
# dynamic api_server_access_profile block): the verdict is unknown, not a guess.
unresolved contains lib.unknown_expr(attrs.private_cluster_enabled) if lib.is_unknown(attrs.private_cluster_enabled)

unresolved contains lib.unknown_expr(attrs.api_server_authorized_ip_ranges) if lib.is_unknown(attrs.api_server_authorized_ip_ranges)

unresolved contains lib.unknown_expr(attrs.api_server_access_profile) if lib.is_unknown(attrs.api_server_access_profile)

unresolved contains lib.unknown_expr(p.authorized_ip_ranges) if {
	some p in arr(attrs.api_server_access_profile)
	lib.is_unknown(p.authorized_ip_ranges)
}

fail contains result if {
	not private
	count(unresolved) == 0
	count(ranges) == 0
	result := {
		"msg": sprintf("AKS cluster \"%v\" has a public API server reachable from any address (not private, no authorized IP ranges)", [input.resource.name]),
		"path": "private_cluster_enabled",
	}
}

fail contains result if {
	not private
	some r in ranges
	exposed(r)
	result := {
		"msg": sprintf("AKS cluster \"%v\" authorizes %s%s on its public API server", [input.resource.name, r, lib.exposure_text(exposure(r), "with the other authorized ranges")]),
		"path": "api_server_access_profile",
	}
}

unknown contains result if {
	not private
	count(ranges) == 0
	some expr in unresolved
	result := {
		"msg": sprintf("AKS cluster \"%v\": whether the API server is private or restricted depends on %s", [input.resource.name, expr]),
		"path": "private_cluster_enabled",
		"expr": expr,
	}
}

# Authorized ranges are judged by what they cover together (lib.exposure): 0.0.0.0/0
# however spelled, 0.0.0.0/1 + 128.0.0.0/1, large public ranges; "0.0.0.0" counts as any address.
exposures := lib.exposure(ranges, {"0.0.0.0"}, true)

exposure(r) := exposures[r]

exposed(r) if exposure(r).kind != "invalid"

# an authorized range that is not a valid CIDR is not skipped
unknown contains result if {
	not private
	some r in ranges
	exposure(r).kind == "invalid"
	result := {
		"msg": sprintf("AKS cluster \"%v\": authorized range %v is not a valid CIDR, so whether the API server is open to the Internet is not known", [input.resource.name, r]),
		"path": "api_server_access_profile",
		"expr": sprintf("invalid CIDR %v", [r]),
	}
}
