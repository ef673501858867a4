# METADATA
# title: BigQuery datasets and tables are not readable by allUsers or allAuthenticatedUsers
# description: >-
#   A dataset access entry or IAM grant for allUsers (anyone) or allAuthenticatedUsers (any
#   Google account) publishes the data. Judges the dataset's access blocks (special_group,
#   iam_member), google_bigquery_dataset_access, and the dataset and table IAM
#   member/binding/policy resources.
# custom:
#   id: PG-GCP-BIGQUERY-001
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_bigquery_dataset, google_bigquery_dataset_access, google_bigquery_dataset_iam_member, google_bigquery_dataset_iam_binding, google_bigquery_dataset_iam_policy, google_bigquery_table_iam_member, google_bigquery_table_iam_binding, google_bigquery_table_iam_policy]
#   frameworks:
#     cis-gcp: ["7.1"]
#     nist-800-53: [AC-3, AC-22]
#     soc2: [CC6.1]
#   remediation: Remove the public entry; share with specific groups, authorized views or Analytics Hub.
#   fixable: false
package policyguard.rules.gcp.bigquery.public_dataset

import rego.v1

import data.policyguard.lib

public_member(m) if lower(trim_space(lib.str(m))) in {"allusers", "allauthenticatedusers"}

# access entries: inline access blocks, or the google_bigquery_dataset_access resource itself
entries contains e if {
	input.resource.type == "google_bigquery_dataset"
	some i, a in lib.arr(lib.attr("access"))
	some k in ["special_group", "iam_member"]
	v := object.get(lib.obj(a), k, null)
	e := {"member": v, "role": object.get(lib.obj(a), "role", null), "path": sprintf("access[%d].%s", [i, k])}
}

entries contains e if {
	input.resource.type == "google_bigquery_dataset_access"
	some k in ["special_group", "iam_member"]
	v := lib.attr(k)
	e := {"member": v, "role": lib.attr("role"), "path": k}
}

entries contains e if {
	input.resource.type in {"google_bigquery_dataset_iam_member", "google_bigquery_table_iam_member"}
	e := {"member": lib.attr("member"), "role": lib.attr("role"), "path": "member"}
}

entries contains e if {
	some i, m in lib.arr(lib.attr("members"))
	e := {"member": m, "role": lib.attr("role"), "path": sprintf("members[%d]", [i])}
}

entries contains e if {
	pd := lib.attr("policy_data")
	is_string(pd)
	json.is_valid(pd)
	some b in lib.arr(object.get(lib.obj(json.unmarshal(pd)), "bindings", []))
	some m in lib.arr(object.get(lib.obj(b), "members", []))
	e := {"member": m, "role": object.get(lib.obj(b), "role", null), "path": "policy_data"}
}

entries contains e if {
	some ref in lib.arr(input.resource.references)
	ref.path == "policy_data"
	d := input.resources[ref.target]
	d.type == "data.google_iam_policy"
	some b in lib.arr(object.get(lib.obj(d.attributes), "binding", []))
	some m in lib.arr(object.get(lib.obj(b), "members", []))
	e := {"member": m, "role": object.get(lib.obj(b), "role", null), "path": ""}
}

fail contains result if {
	some e in entries
	public_member(e.member)
	result := {
		"msg": sprintf("%s \"%v\" grants %v to %v", [input.resource.type, input.resource.name, e.role, e.member]),
		"path": e.path,
	}
}
