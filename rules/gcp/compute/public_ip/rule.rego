# METADATA
# title: Compute instances have no external IP address
# description: >-
#   An access_config block gives the instance an external IP address, exposing every listening
#   service to the Internet subject only to firewall rules. Reach instances through IAP, a load
#   balancer or Cloud NAT instead.
# custom:
#   id: PG-GCP-COMPUTE-001
#   severity: medium
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template]
#   frameworks:
#     cis-gcp: ["4.9"]
#     nist-800-53: [SC-7]
#     pci-dss-4.0: ["1.4.1"]
#   remediation: Remove the access_config block from network_interface (use Cloud NAT for egress, IAP for SSH).
#   fixable: true
package policyguard.rules.gcp.compute.public_ip

import rego.v1

fail contains result if {
	some i, nic in input.resource.attributes.network_interface
	count(object.get(nic, "access_config", [])) > 0
	path := sprintf("network_interface[%d].access_config", [i])
	result := {
		"msg": sprintf("instance %q network interface %d has an external IP address (access_config)", [input.resource.name, i]),
		"path": path,
		"fix": {"description": "Remove the external IP address", "ops": [{"op": "remove", "path": path}]},
	}
}
