# METADATA
# title: No member is both Service Account Admin and Service Account User on projects, folders or organizations
# description: >-
#   A member with roles/iam.serviceAccountAdmin and roles/iam.serviceAccountUser can create
#   service accounts, grant them roles and act as them, escalating to any role it can give them.
#   Grants are matched across every project, folder and organization IAM resource of the scan.
# custom:
#   id: PG-GCP-IAM-006
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_project_iam_member, google_project_iam_binding, google_project_iam_policy, google_folder_iam_member, google_folder_iam_binding, google_folder_iam_policy, google_organization_iam_member, google_organization_iam_binding, google_organization_iam_policy]
#   frameworks:
#     cis-gcp: ["1.8"]
#     nist-800-53: [AC-5]
#     soc2: [CC6.3]
#   remediation: Give administration and use of the keys (or service accounts) to different principals.
#   fixable: false
package policyguard.rules.gcp.iam.service_account_separation_of_duties

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

admin_role := "roles/iam.serviceaccountadmin"

user_roles := {"roles/iam.serviceaccountuser"}

project_iam_types := {"google_project_iam_member", "google_project_iam_binding", "google_project_iam_policy", "google_folder_iam_member", "google_folder_iam_binding", "google_folder_iam_policy", "google_organization_iam_member", "google_organization_iam_binding", "google_organization_iam_policy"}

# the (scope, member) pairs holding a user role anywhere in the scan unit: one pass over it
# the project / folder / organization a grant is on, as a list (empty when not a literal)
scope_of(attrs) := [s | some k in ["project", "folder", "org_id"]; s := object.get(attrs, k, null); is_string(s)]

users contains x if {
	some r in input.resources
	r.type in project_iam_types
	a := lib.obj(r.attributes)
	lower(lib.str(object.get(a, "role", ""))) in user_roles
	some m in array.concat([object.get(a, "member", null)], lib.arr(object.get(a, "members", [])))
	is_string(m)
	x := [scope_of(a), m]
}

# policies of this resource also count (role pairs inside one policy)
own_users contains m if {
	some g in grants
	lower(lib.str(g.role)) in user_roles
	m := g.member
	is_string(m)
}

fail contains result if {
	some g in grants
	lower(lib.str(g.role)) == admin_role
	is_string(g.member)
	holds_user_role(g.member)
	result := {
		"msg": sprintf("%s \"%v\" grants %v to %v, which also holds %s at the same level", [input.resource.type, input.resource.name, g.role, g.member, concat(" / ", user_roles)]),
		"path": path_of(g),
	}
}

holds_user_role(m) if m in own_users

holds_user_role(m) if [scope_of(lib.obj(input.resource.attributes)), m] in users

path_of(g) := "role" if {
	lib.has(input.resource.attributes, "role")
} else := g.path
