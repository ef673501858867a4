# METADATA
# title: Projects do not create the default network
# description: >-
#   google_project creates the default VPC network unless auto_create_network = false. Its pre-
#   populated firewall rules allow SSH, RDP and ICMP from the Internet and all traffic between
#   its subnets, in every region.
# custom:
#   id: PG-GCP-NETWORK-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_project]
#   frameworks:
#     cis-gcp: ["3.1"]
#     nist-800-53: [SC-7, CM-7]
#     soc2: [CC6.6]
#   remediation: Set auto_create_network = false and create custom-mode VPC networks with explicit firewall rules.
#   fixable: false
package policyguard.rules.gcp.network.default_network

import rego.v1

import data.policyguard.lib

fail contains result if {
	not lib.falsy(object.get(lib.obj(input.resource.attributes), "auto_create_network", true))
	result := {
		"msg": sprintf("project \"%v\" creates the default network (auto_create_network = %v)", [input.resource.name, object.get(lib.obj(input.resource.attributes), "auto_create_network", "not set, default true")]),
		"path": "auto_create_network",
	}
}
