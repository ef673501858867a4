# METADATA
# title: Audit logging covers all services, all log types and all users
# description: >-
#   Data Access audit logs are off by default; an audit config for allServices with ADMIN_READ,
#   DATA_READ and DATA_WRITE and no exempted members records who read and changed data in every
#   service. An audit config fails when it is for allServices and misses a log type or exempts
#   members; a google_project fails when its configuration has no allServices audit config
#   (resource or audit_config of a data.google_iam_policy).
# custom:
#   id: PG-GCP-LOGGING-009
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_project_iam_audit_config, google_folder_iam_audit_config, google_organization_iam_audit_config, google_project]
#   frameworks:
#     cis-gcp: ["2.1"]
#     nist-800-53: [AU-2, AU-12]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: [CC7.2]
#   remediation: Add google_project_iam_audit_config { service = "allServices" } with audit_log_config blocks for ADMIN_READ, DATA_READ and DATA_WRITE.
#   fixable: false
package policyguard.rules.gcp.logging.audit_config_all_services

import rego.v1

import data.policyguard.lib

required := {"ADMIN_READ", "DATA_READ", "DATA_WRITE"}

audit_types := {"google_project_iam_audit_config", "google_folder_iam_audit_config", "google_organization_iam_audit_config"}

all_services(attrs) if object.get(attrs, "service", null) == "allServices"

fail contains result if {
	input.resource.type in audit_types
	all_services(lib.obj(input.resource.attributes))
	have := {upper(lib.str(object.get(lib.obj(c), "log_type", ""))) | some c in lib.arr(lib.attr("audit_log_config"))}
	missing := required - have
	count(missing) > 0
	result := {
		"msg": sprintf("audit config for allServices does not record %s", [concat(", ", sort(missing))]),
		"path": "audit_log_config",
	}
}

fail contains result if {
	input.resource.type in audit_types
	all_services(lib.obj(input.resource.attributes))
	some i, c in lib.arr(lib.attr("audit_log_config"))
	count(lib.arr(object.get(lib.obj(c), "exempted_members", []))) > 0
	result := {
		"msg": sprintf("audit config for allServices exempts %v from %v logs", [object.get(lib.obj(c), "exempted_members", []), object.get(lib.obj(c), "log_type", "")]),
		"path": sprintf("audit_log_config[%d].exempted_members", [i]),
	}
}

# an allServices audit config anywhere in the scan unit: a resource, or a data.google_iam_policy's audit_config
has_all_services if {
	some r in input.resources
	r.type in audit_types
	all_services(lib.obj(r.attributes))
}

has_all_services if {
	some r in input.resources
	r.type == "data.google_iam_policy"
	some ac in lib.arr(object.get(lib.obj(r.attributes), "audit_config", []))
	all_services(lib.obj(ac))
}

fail contains result if {
	input.resource.type == "google_project"
	not has_all_services
	result := {"msg": sprintf("project \"%v\" has no audit config for allServices: Data Access logs are off", [input.resource.name]), "path": ""}
}
