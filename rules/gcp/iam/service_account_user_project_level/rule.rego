# METADATA
# title: Service Account User and Token Creator are not granted on projects, folders or organizations
# description: >-
#   roles/iam.serviceAccountUser and roles/iam.serviceAccountTokenCreator granted above the
#   service account let the member act as every service account in the project (and below a
#   folder or organization), including the most privileged one. Grant them on the individual
#   service account instead.
# custom:
#   id: PG-GCP-IAM-003
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_project_iam_member, google_project_iam_binding, google_project_iam_policy, google_folder_iam_member, google_folder_iam_binding, google_folder_iam_policy, google_organization_iam_member, google_organization_iam_binding, google_organization_iam_policy]
#   frameworks:
#     cis-gcp: ["1.6"]
#     nist-800-53: [AC-6]
#     soc2: [CC6.3]
#   remediation: Use google_service_account_iam_member on the specific service account.
#   fixable: false
package policyguard.rules.gcp.iam.service_account_user_project_level

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

impersonation_roles := {"roles/iam.serviceaccountuser", "roles/iam.serviceaccounttokencreator"}

fail contains result if {
	some g in grants
	lower(lib.str(g.role)) in impersonation_roles
	result := {
		"msg": sprintf("%s \"%v\" grants %v above the service account level: the member can act as every service account below it", [input.resource.type, input.resource.name, g.role]),
		"path": role_path(g),
	}
}

role_path(g) := "role" if {
	lib.has(input.resource.attributes, "role")
} else := g.path
