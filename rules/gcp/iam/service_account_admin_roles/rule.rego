# METADATA
# title: Service accounts hold no owner, editor or admin role on projects, folders or organizations
# description: >-
#   A service account's key or token is a credential that code, CI systems and compromised VMs
#   hold; with roles/owner, roles/editor or an *Admin role at project, folder or organization
#   level it can change almost anything, and roles on the account can be granted further.
#   Members are recognised as service accounts also when their e-mail is computed
#   (serviceAccount:${...}, google_service_account.x.member).
# custom:
#   id: PG-GCP-IAM-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_project_iam_member, google_project_iam_binding, google_project_iam_policy, google_folder_iam_member, google_folder_iam_binding, google_folder_iam_policy, google_organization_iam_member, google_organization_iam_binding, google_organization_iam_policy]
#   frameworks:
#     cis-gcp: ["1.5"]
#     nist-800-53: [AC-6]
#     soc2: [CC6.3]
#   remediation: Grant the service account predefined or custom roles limited to what it does, on the resources it uses.
#   fixable: false
package policyguard.rules.gcp.iam.service_account_admin_roles

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

service_account(m) if startswith(lib.str(m), "serviceAccount:")

service_account(m) if regex.match(`^"serviceAccount:`, lib.str(lib.unknown_expr(m)))

service_account(m) if regex.match(`^google_service_account\.[^.]+\.member$`, lib.str(lib.unknown_expr(m)))

admin_role(r) if lower(lib.str(r)) in {"roles/owner", "roles/editor"}

admin_role(r) if {
	startswith(lib.str(r), "roles/")
	endswith(lower(lib.str(r)), "admin")
}

fail contains result if {
	some g in grants
	admin_role(g.role)
	service_account(g.member)
	result := {
		"msg": sprintf("%s \"%v\" grants %v to a service account (%v)", [input.resource.type, input.resource.name, g.role, member_text(g.member)]),
		"path": role_path(g),
	}
}

member_text(m) := m if is_string(m)

member_text(m) := lib.unknown_expr(m) if lib.is_unknown(m)

# the role is what is judged: a computed member e-mail must not turn the verdict unknown
role_path(g) := "role" if {
	lib.has(input.resource.attributes, "role")
} else := g.path
