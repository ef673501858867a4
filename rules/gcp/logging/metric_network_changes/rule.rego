# METADATA
# title: A log metric and an alert policy watch VPC network changes
# description: >-
#   CIS GCP 2.9: a google_logging_metric whose filter selects VPC network changes and a
#   google_monitoring_alert_policy on that metric (logging.googleapis.com/user/<name>) tell
#   someone when it happens. The metric fails when no enabled alert policy of the scan watches
#   it; a google_project fails when its configuration holds no such metric. A metric whose
#   filter is not known makes the project unknown, not failed.
# custom:
#   id: PG-GCP-LOGGING-006
#   severity: medium
#   profile: baseline
#   confidence: medium
#   resource_types:
#     terraform: [google_logging_metric, google_project]
#   frameworks:
#     cis-gcp: ["2.9"]
#     nist-800-53: [AU-6, SI-4]
#     pci-dss-4.0: ["10.4.1"]
#     soc2: [CC7.2]
#   remediation: Create google_logging_metric with the filter of CIS 2.9 and a google_monitoring_alert_policy with condition_threshold.filter = metric.type="logging.googleapis.com/user/${google_logging_metric.x.name}".
#   fixable: false
package policyguard.rules.gcp.logging.metric_network_changes

import rego.v1

import data.policyguard.lib

# each group lists alternatives; a filter matches when it holds one of every group
# (compared without spaces, quotes and case, so spelling variants of the benchmark's filter match)
groups := [["networks.insert"], ["networks.patch"], ["networks.delete"], ["networks.removepeering"], ["networks.addpeering"]]

norm(f) := lower(replace(replace(replace(f, " ", ""), "\"", ""), "\n", ""))

matches(f) if {
	is_string(f)
	n := norm(f)
	every g in groups {
		some alt in g
		contains(n, alt)
	}
}

watched_metrics := [r | some r in input.resources; r.type == "google_logging_metric"; matches(object.get(lib.obj(r.attributes), "filter", null))]

alert_policies := [r | some r in input.resources; r.type == "google_monitoring_alert_policy"; not lib.falsy(object.get(lib.obj(r.attributes), "enabled", true))]

# an enabled alert policy whose conditions name this metric, or reference it
alerted(metric) if {
	name := object.get(lib.obj(metric.attributes), "name", null)
	is_string(name)
	needle := concat("", ["logging.googleapis.com/user/", name])
	some p in alert_policies
	contains(json.marshal(object.get(lib.obj(p.attributes), "conditions", [])), needle)
}

alerted(metric) if {
	some ref in lib.arr(metric.referenced_by)
	some p in alert_policies
	p.id == ref.source
}

fail contains result if {
	input.resource.type == "google_logging_metric"
	matches(lib.attr("filter"))
	not alerted(input.resource)
	result := {
		"msg": sprintf("log metric \"%v\" selects VPC network changes but no enabled alert policy watches it", [object.get(lib.obj(input.resource.attributes), "name", input.resource.name)]),
		"path": "",
	}
}

unknown_filters := [r.id | some r in input.resources; r.type == "google_logging_metric"; lib.is_unknown(object.get(lib.obj(r.attributes), "filter", null))]

fail contains result if {
	input.resource.type == "google_project"
	count(watched_metrics) == 0
	count(unknown_filters) == 0
	result := {
		"msg": sprintf("project \"%v\": no log metric with an alert watches VPC network changes (CIS 2.9)", [input.resource.name]),
		"path": "",
	}
}

unknown contains result if {
	input.resource.type == "google_project"
	count(watched_metrics) == 0
	count(unknown_filters) > 0
	result := {
		"msg": sprintf("project \"%v\": whether a log metric watches VPC network changes is not known", [input.resource.name]),
		"path": "",
		"expr": concat(", ", [concat("", [id, ".filter"]) | some id in unknown_filters]),
	}
}
