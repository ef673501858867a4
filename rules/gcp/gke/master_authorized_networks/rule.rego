# METADATA
# title: GKE control planes restrict access with authorized networks
# description: >-
#   Without master authorized networks (and without a private-only endpoint) the cluster's API
#   server accepts connections from any IP address. An empty master_authorized_networks_config
#   block allows only Google Cloud internal access; add cidr_blocks for administration networks.
#   A 0.0.0.0/0 entry defeats the control.
# custom:
#   id: PG-GCP-GKE-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_container_cluster]
#   frameworks:
#     nist-800-53: [SC-7, AC-17]
#     pci-dss-4.0: ["1.3.1"]
#   remediation: Add master_authorized_networks_config with cidr_blocks for your administration networks (or enable_private_endpoint).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.gke.master_authorized_networks

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

private_endpoint if {
	some cfg in arr(attrs.private_cluster_config)
	lib.truthy(cfg.enable_private_endpoint)
}

fail contains result if {
	not private_endpoint
	not endpoint_unknown
	count(arr(object.get(obj(attrs), "master_authorized_networks_config", []))) == 0
	result := {
		"msg": sprintf("GKE cluster \"%v\" API server accepts connections from any address (no master_authorized_networks_config)", [input.resource.name]),
		"path": "master_authorized_networks_config",
		"fix": {
			"description": "Restrict the API server to authorized networks (none yet: Google Cloud internal only)",
			"ops": [{"op": "add", "path": "master_authorized_networks_config", "value": {}}],
		},
	}
}

fail contains result if {
	some i, cfg in arr(attrs.master_authorized_networks_config)
	some j, block in arr(cfg.cidr_blocks)
	exposed(block.cidr_block)
	path := sprintf("master_authorized_networks_config[%d].cidr_blocks[%d]", [i, j])
	result := {
		"msg": sprintf("GKE cluster \"%v\" authorizes %s%s on its API server", [input.resource.name, block.cidr_block, lib.exposure_text(exposure(block.cidr_block), "with the other authorized networks")]),
		"path": sprintf("%s.cidr_block", [path]),
		"fix": {"description": "Remove the open authorized network", "ops": [{"op": "remove", "path": path}]},
	}
}

# a private_cluster_config (or its enable_private_endpoint) given by a variable or dynamic block
endpoint_expr := lib.unknown_expr(attrs.private_cluster_config) if lib.is_unknown(attrs.private_cluster_config)

endpoint_expr := lib.unknown_expr(cfg.enable_private_endpoint) if {
	some cfg in arr(attrs.private_cluster_config)
	lib.is_unknown(cfg.enable_private_endpoint)
}

endpoint_unknown if endpoint_expr

unknown contains result if {
	not private_endpoint
	endpoint_unknown
	count(arr(object.get(obj(attrs), "master_authorized_networks_config", []))) == 0
	result := {
		"msg": sprintf("GKE cluster \"%v\": whether the API server endpoint is private is not known", [input.resource.name]),
		"path": "private_cluster_config",
		"expr": endpoint_expr,
	}
}

# Authorized networks are judged by what they cover together (lib.exposure): 0.0.0.0/0
# however spelled, 0.0.0.0/1 + 128.0.0.0/1, large public ranges.
authorized := [block.cidr_block |
	some cfg in arr(attrs.master_authorized_networks_config)
	some block in arr(cfg.cidr_blocks)
]

exposures := lib.exposure(authorized, set(), true)

exposure(v) := exposures[v]

exposed(v) if exposure(v).kind != "invalid"

# an authorized network that is not a valid CIDR is not skipped
unknown contains result if {
	some i, cfg in arr(attrs.master_authorized_networks_config)
	some j, block in arr(cfg.cidr_blocks)
	exposure(block.cidr_block).kind == "invalid"
	result := {
		"msg": sprintf("GKE cluster \"%v\": authorized network %v is not a valid CIDR, so whether the API server is open to the Internet is not known", [input.resource.name, block.cidr_block]),
		"path": sprintf("master_authorized_networks_config[%d].cidr_blocks[%d].cidr_block", [i, j]),
		"expr": sprintf("invalid CIDR %v", [block.cidr_block]),
	}
}
