# METADATA
# title: Cloud Run services and jobs grant no role to allUsers or allAuthenticatedUsers
# description: >-
#   roles/run.invoker for allUsers makes the service callable without authentication by anyone
#   who finds its URL. A deliberately public website should say so with a suppression that names
#   the reason. Judges the *_iam_member, *_iam_binding and *_iam_policy forms (the latter
#   through the data.google_iam_policy they reference).
# custom:
#   id: PG-GCP-CLOUDRUN-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_cloud_run_service_iam_member, google_cloud_run_service_iam_binding, google_cloud_run_service_iam_policy, google_cloud_run_v2_service_iam_member, google_cloud_run_v2_service_iam_binding, google_cloud_run_v2_service_iam_policy, google_cloud_run_v2_job_iam_member, google_cloud_run_v2_job_iam_binding, google_cloud_run_v2_job_iam_policy]
#   frameworks:
#     nist-800-53: [AC-3, IA-2]
#     soc2: [CC6.1]
#   remediation: Grant the role to specific users, groups or service accounts instead.
#   fixable: false
package policyguard.rules.gcp.cloudrun.public_invoker

import rego.v1

import data.policyguard.lib

# every (role, member) this IAM resource grants, with the path of the member:
# *_iam_member (member), *_iam_binding (members), *_iam_policy (policy_data as JSON, or the
# data.google_iam_policy it references, whose bindings are known even when policy_data is not)
grants contains g if {
	lib.has(input.resource.attributes, "member")
	g := {"role": lib.attr("role"), "member": lib.attr("member"), "path": "member"}
}

grants contains g if {
	some i, m in lib.arr(lib.attr("members"))
	g := {"role": lib.attr("role"), "member": m, "path": sprintf("members[%d]", [i])}
}

grants contains g if {
	pd := lib.attr("policy_data")
	is_string(pd)
	json.is_valid(pd)
	some b in lib.arr(object.get(lib.obj(json.unmarshal(pd)), "bindings", []))
	some m in lib.arr(object.get(lib.obj(b), "members", []))
	g := {"role": object.get(lib.obj(b), "role", null), "member": m, "path": "policy_data"}
}

grants contains g if {
	some ref in lib.arr(input.resource.references)
	ref.path == "policy_data"
	d := input.resources[ref.target]
	d.type == "data.google_iam_policy"
	some b in lib.arr(object.get(lib.obj(d.attributes), "binding", []))
	some m in lib.arr(object.get(lib.obj(b), "members", []))
	g := {"role": object.get(lib.obj(b), "role", null), "member": m, "path": ""}
}

public_member(m) if lower(trim_space(lib.str(m))) in {"allusers", "allauthenticatedusers"}

fail contains result if {
	some g in grants
	public_member(g.member)
	result := {
		"msg": sprintf("%s \"%v\" grants %v to %v", [input.resource.type, input.resource.name, g.role, g.member]),
		"path": g.path,
	}
}

# an unresolved member that is recognisably a specific principal cannot be public
specific(expr) if regex.match(`^"(serviceAccount|user|group|domain|principal|principalSet|deleted:[a-zA-Z]+):`, expr)

specific(expr) if startswith(expr, "google_service_account.")

unknown contains result if {
	some g in grants
	lib.is_unknown(g.member)
	not specific(lib.unknown_expr(g.member))
	result := {
		"msg": sprintf("%s \"%v\" grants %v to a member that is not known", [input.resource.type, input.resource.name, g.role]),
		"path": g.path,
		"expr": lib.unknown_expr(g.member),
	}
}
