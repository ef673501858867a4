# METADATA
# title: Projects export all log entries through a sink
# description: >-
#   Logs kept only in the project's _Default bucket expire after 30 days and are deleted with
#   the project; a sink without a filter (project, folder with include_children, or
#   organization) copies every entry to a destination you retain. A google_project fails when
#   its configuration has no such sink; a sink whose filter is not known makes it unknown.
# custom:
#   id: PG-GCP-LOGGING-010
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [google_project]
#   frameworks:
#     cis-gcp: ["2.2"]
#     nist-800-53: [AU-4, AU-9]
#     pci-dss-4.0: ["10.5.1"]
#     soc2: [CC7.2]
#   remediation: Add a google_logging_project_sink (or an organization sink with include_children) with no filter to a Cloud Storage bucket, BigQuery dataset or log bucket.
#   fixable: false
package policyguard.rules.gcp.logging.sink_all_entries

import rego.v1

import data.policyguard.lib

sink_types := {"google_logging_project_sink", "google_logging_folder_sink", "google_logging_organization_sink"}

unfiltered(r) if trim_space(lib.str(object.get(lib.obj(r.attributes), "filter", ""))) == ""

unfiltered(r) if object.get(lib.obj(r.attributes), "filter", "") == null

sinks := [r | some r in input.resources; r.type in sink_types; not lib.is_unknown(object.get(lib.obj(r.attributes), "filter", null)); unfiltered(r)]

unknown_sinks := [r.id | some r in input.resources; r.type in sink_types; lib.is_unknown(object.get(lib.obj(r.attributes), "filter", null))]

fail contains result if {
	count(sinks) == 0
	count(unknown_sinks) == 0
	result := {"msg": sprintf("project \"%v\": no log sink exports every log entry", [input.resource.name]), "path": ""}
}

unknown contains result if {
	count(sinks) == 0
	count(unknown_sinks) > 0
	result := {"msg": sprintf("project \"%v\": log sink filters are not known", [input.resource.name]), "path": "", "expr": concat(", ", unknown_sinks)}
}
