# METADATA
# title: IAM grants do not name personal Gmail accounts
# description: >-
#   Consumer accounts (@gmail.com, @googlemail.com) are outside the organization's control: no
#   enforced 2-step verification, no offboarding, no audit of their sessions. Judges project,
#   folder and organization grants.
# custom:
#   id: PG-GCP-IAM-007
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_project_iam_member, google_project_iam_binding, google_project_iam_policy, google_folder_iam_member, google_folder_iam_binding, google_folder_iam_policy, google_organization_iam_member, google_organization_iam_binding, google_organization_iam_policy]
#   frameworks:
#     cis-gcp: ["1.1"]
#     nist-800-53: [AC-2, IA-2]
#     soc2: [CC6.2]
#   remediation: Grant roles to users and groups of your Cloud Identity / Workspace domain.
#   fixable: false
package policyguard.rules.gcp.iam.personal_accounts

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

fail contains result if {
	some g in grants
	regex.match(`^user:.+@(gmail|googlemail)\.com$`, lower(trim_space(lib.str(g.member))))
	result := {
		"msg": sprintf("%s \"%v\" grants %v to the personal account %v", [input.resource.type, input.resource.name, g.role, g.member]),
		"path": g.path,
	}
}
