# METADATA
# title: Cloud Run services do not accept traffic from everywhere
# description: >-
#   Ingress all (the default: INGRESS_TRAFFIC_ALL, or no run.googleapis.com/ingress annotation
#   on v1 services) exposes the service's run.app URL directly, bypassing the load balancer,
#   Cloud Armor and IAP in front of it. Public services should take internal-and-cloud-load-
#   balancing.
# custom:
#   id: PG-GCP-CLOUDRUN-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_cloud_run_v2_service, google_cloud_run_service]
#   frameworks:
#     nist-800-53: [SC-7]
#     soc2: [CC6.6]
#   remediation: >-
#     Set ingress = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" (or INTERNAL_ONLY); v1: annotation
#     run.googleapis.com/ingress = "internal-and-cloud-load-balancing".
#   fixable: false
package policyguard.rules.gcp.cloudrun.ingress_all

import rego.v1

import data.policyguard.lib

annotations := lib.obj(object.get(lib.obj(lib.first(lib.attr("metadata"))), "annotations", null))

fail contains result if {
	input.resource.type == "google_cloud_run_v2_service"
	v := lib.attr("ingress")
	not lib.is_unknown(v)
	upper(lib.str(v)) in {"INGRESS_TRAFFIC_ALL", ""}
	result := {"msg": sprintf("Cloud Run service \"%v\" accepts traffic from the Internet (ingress = %v)", [input.resource.name, shown(v, "INGRESS_TRAFFIC_ALL")]), "path": "ingress"}
}

fail contains result if {
	input.resource.type == "google_cloud_run_service"
	v := object.get(annotations, "run.googleapis.com/ingress", null)
	not lib.is_unknown(v)
	lower(lib.str(v)) in {"all", ""}
	result := {"msg": sprintf("Cloud Run service \"%v\" accepts traffic from the Internet (run.googleapis.com/ingress = %v)", [input.resource.name, shown(v, "all")]), "path": "metadata[0].annotations"}
}

shown(v, d) := v if v != null

shown(v, d) := sprintf("not set, default %s", [d]) if v == null
