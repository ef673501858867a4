# METADATA
# title: Compute instances have no external IP address
# description: >-
#   An access_config block gives the instance an external IP address, exposing every listening
#   service to the Internet subject only to firewall rules. Reach instances through IAP, a load
#   balancer or Cloud NAT instead.
# custom:
#   id: PG-GCP-COMPUTE-001
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template, google_compute_instance_from_template]
#   frameworks:
#     cis-gcp: ["4.9"]
#     nist-800-53: [SC-7]
#     pci-dss-4.0: ["1.4.1"]
#   remediation: Remove the access_config block from network_interface (use Cloud NAT for egress, IAP for SSH).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.compute.public_ip

import rego.v1

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

fail contains result if {
	some i, nic in arr(input.resource.attributes.network_interface)
	count(arr(object.get(obj(nic), "access_config", []))) > 0
	path := sprintf("network_interface[%d].access_config", [i])
	result := {
		"msg": sprintf("instance \"%v\" network interface %d has an external IP address (access_config)", [input.resource.name, i]),
		"path": path,
		"fix": {"description": "Remove the external IP address", "ops": [{"op": "remove", "path": path}]},
	}
}
