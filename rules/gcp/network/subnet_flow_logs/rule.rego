# METADATA
# title: VPC subnets enable flow logs
# description: >-
#   VPC flow logs record a sample of the connections of every VM in the subnet; without them
#   there is no network record for investigations or anomaly detection. Proxy-only and Private
#   Service Connect subnets are not judged.
# custom:
#   id: PG-GCP-NETWORK-009
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_compute_subnetwork]
#   frameworks:
#     cis-gcp: ["3.8"]
#     nist-800-53: [AU-12, SI-4]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: [CC7.2]
#   remediation: Add log_config { aggregation_interval = "INTERVAL_5_SEC", flow_sampling = 1, metadata = "INCLUDE_ALL_METADATA" }.
#   fixable: true
#   fix_safety: safe
package policyguard.rules.gcp.network.subnet_flow_logs

import rego.v1

import data.policyguard.lib

# proxy-only and Private Service Connect subnets carry no VM traffic: flow logs and private
# Google access do not apply to them
proxy_only if upper(lib.str(lib.attr("purpose"))) in {"REGIONAL_MANAGED_PROXY", "GLOBAL_MANAGED_PROXY", "INTERNAL_HTTPS_LOAD_BALANCER", "PRIVATE_SERVICE_CONNECT"}

fail contains result if {
	not proxy_only
	count(lib.arr(lib.attr("log_config"))) == 0
	result := {
		"msg": sprintf("subnet \"%v\" has no flow logs (no log_config)", [input.resource.name]),
		"path": "log_config",
		"fix": {"description": "Enable VPC flow logs", "ops": [{"op": "set", "path": "log_config", "value": [{"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 1, "metadata": "INCLUDE_ALL_METADATA"}]}]},
	}
}

fail contains result if {
	not proxy_only
	some i, lc in lib.arr(lib.attr("log_config"))
	s := object.get(lib.obj(lc), "flow_sampling", 0.5)
	is_number(s)
	s <= 0
	result := {
		"msg": sprintf("subnet \"%v\" samples no flows (flow_sampling = %v)", [input.resource.name, s]),
		"path": sprintf("log_config[%d].flow_sampling", [i]),
		"fix": {"description": "Sample every flow", "ops": [{"op": "set", "path": sprintf("log_config[%d].flow_sampling", [i]), "value": 1}]},
	}
}
