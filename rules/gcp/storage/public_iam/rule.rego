# METADATA
# title: Storage buckets are not granted to allUsers or allAuthenticatedUsers
# description: >-
#   A grant to allUsers makes the bucket's objects readable (or writable) by anyone on the
#   Internet; allAuthenticatedUsers means any Google account, which is no restriction either.
#   Checks IAM members, bindings and policies (policy_data, or the data.google_iam_policy it
#   references), bucket ACL entries, default object ACLs and predefined ACLs.
# custom:
#   id: PG-GCP-STORAGE-003
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_storage_bucket_iam_member, google_storage_bucket_iam_binding, google_storage_bucket_iam_policy, google_storage_bucket_access_control, google_storage_default_object_access_control, google_storage_bucket_acl]
#   frameworks:
#     cis-gcp: ["5.1"]
#     nist-800-53: [AC-3, AC-22]
#     pci-dss-4.0: ["7.2.1"]
#     soc2: [CC6.1]
#   remediation: Remove the allUsers / allAuthenticatedUsers grant; share objects with signed URLs or specific principals.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.storage.public_iam

import rego.v1

import data.policyguard.lib

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

public := {"allUsers", "allAuthenticatedUsers"}

attrs := input.resource.attributes

fail contains result if {
	input.resource.type == "google_storage_bucket_iam_member"
	attrs.member in public
	result := {
		"msg": sprintf("bucket IAM member grants %v to %s", [attrs.role, attrs.member]),
		"path": "member",
	}
}

fail contains result if {
	input.resource.type == "google_storage_bucket_iam_binding"
	some i, m in arr(attrs.members)
	m in public
	result := {
		"msg": sprintf("bucket IAM binding grants %v to %s", [attrs.role, m]),
		"path": sprintf("members[%d]", [i]),
		"fix": {"description": "Remove the public members", "ops": [{"op": "set", "path": "members", "value": [x | some x in arr(attrs.members); not x in public]}]},
	}
}

fail contains result if {
	input.resource.type in {"google_storage_bucket_access_control", "google_storage_default_object_access_control"}
	attrs.entity in public
	result := {
		"msg": sprintf("%s grants %v to %s", [input.resource.type, attrs.role, attrs.entity]),
		"path": "entity",
	}
}

# google_storage_bucket_iam_policy: the bindings of policy_data (a JSON string in plans), or of
# the data.google_iam_policy it references (its bindings are known when policy_data is not)
policy_members contains [role, m, "policy_data"] if {
	input.resource.type == "google_storage_bucket_iam_policy"
	pd := attrs.policy_data
	is_string(pd)
	json.is_valid(pd)
	doc := json.unmarshal(pd)
	is_object(doc)
	some b in arr(object.get(doc, "bindings", []))
	is_object(b)
	role := object.get(b, "role", null)
	some m in arr(object.get(b, "members", []))
}

policy_members contains [role, m, ""] if {
	input.resource.type == "google_storage_bucket_iam_policy"
	some ref in input.resource.references
	ref.path == "policy_data"
	d := input.resources[ref.target]
	d.type == "data.google_iam_policy"
	some b in arr(object.get(lib.obj(d.attributes), "binding", []))
	is_object(b)
	role := object.get(b, "role", null)
	some m in arr(object.get(b, "members", []))
}

fail contains result if {
	some pm in policy_members
	pm[1] in public
	result := {
		"msg": sprintf("bucket IAM policy grants %v to %s", [pm[0], pm[1]]),
		"path": pm[2],
	}
}

public_entry(entry) if {
	is_string(entry)
	some p in public
	endswith(entry, concat(":", ["", p]))
}

fail contains result if {
	input.resource.type == "google_storage_bucket_acl"
	some i, entry in arr(attrs.role_entity)
	public_entry(entry)
	result := {
		"msg": sprintf("bucket ACL grants %s", [entry]),
		"path": sprintf("role_entity[%d]", [i]),
		"fix": {"description": "Remove the public ACL entries", "ops": [{"op": "set", "path": "role_entity", "value": [e | some e in arr(attrs.role_entity); not public_entry(e)]}]},
	}
}

fail contains result if {
	input.resource.type == "google_storage_bucket_acl"
	attrs.predefined_acl in {"publicRead", "publicReadWrite", "authenticatedRead"}
	result := {
		"msg": sprintf("bucket ACL uses predefined ACL %s", [attrs.predefined_acl]),
		"path": "predefined_acl",
		"fix": {"description": "Use the private predefined ACL", "ops": [{"op": "set", "path": "predefined_acl", "value": "private"}]},
	}
}

# An unresolved member that is still recognisably a specific principal cannot be public:
# "serviceAccount:${google_service_account.x.email}", google_service_account.x.member.
specific_principal(expr) if regex.match(`^"(serviceAccount|user|group|domain|principal|principalSet|deleted:[a-zA-Z]+):`, expr)

specific_principal(expr) if startswith(expr, "google_service_account.")

unknown contains result if {
	input.resource.type == "google_storage_bucket_iam_member"
	lib.is_unknown(attrs.member)
	not specific_principal(lib.unknown_expr(attrs.member))
	result := {"msg": "bucket IAM member is not known", "path": "member", "expr": lib.unknown_expr(attrs.member)}
}
