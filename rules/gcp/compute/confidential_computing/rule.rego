# METADATA
# title: Instances on confidential-capable machine types enable Confidential Computing
# description: >-
#   Confidential VMs encrypt memory with a per-VM key held by the processor (AMD SEV/SEV-SNP,
#   Intel TDX), so data in use is protected from the host. Only machine families that support it
#   (N2D, C2D, C3D, C3, C4D) are judged.
# custom:
#   id: PG-GCP-COMPUTE-009
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_compute_instance, google_compute_instance_template, google_compute_region_instance_template]
#   frameworks:
#     cis-gcp: ["4.11"]
#     nist-800-53: [SC-28]
#   remediation: Add confidential_instance_config { enable_confidential_compute = true } (or confidential_instance_type) with on_host_maintenance = TERMINATE.
#   fixable: false
package policyguard.rules.gcp.compute.confidential_computing

import rego.v1

import data.policyguard.lib

capable if regex.match(`^(n2d|c2d|c3d|c3|c4d)-`, lower(lib.str(lib.attr("machine_type"))))

cc := lib.obj(lib.first(lib.attr("confidential_instance_config")))

confidential if lib.truthy(object.get(cc, "enable_confidential_compute", false))

confidential if upper(lib.str(object.get(cc, "confidential_instance_type", ""))) in {"SEV", "SEV_SNP", "TDX"}

fail contains result if {
	capable
	not confidential
	result := {
		"msg": sprintf("%s \"%v\" (%v) supports Confidential Computing but does not enable it", [input.resource.type, input.resource.name, lib.attr("machine_type")]),
		"path": "confidential_instance_config",
	}
}
