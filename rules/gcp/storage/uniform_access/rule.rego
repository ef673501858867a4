# METADATA
# title: Storage buckets use uniform bucket-level access
# description: >-
#   With fine-grained (ACL) access, every object can carry its own ACL, so a single object can be
#   made public or shared outside IAM review. Uniform bucket-level access disables ACLs and
#   leaves IAM as the only access control. It defaults to false in the google provider.
# custom:
#   id: PG-GCP-STORAGE-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_storage_bucket]
#   frameworks:
#     cis-gcp: ["5.2"]
#     nist-800-53: [AC-3, AC-6]
#     soc2: [CC6.1]
#   remediation: Set uniform_bucket_level_access = true.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.storage.uniform_access

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

attrs := input.resource.attributes

enabled if lib.truthy(attrs.uniform_bucket_level_access)

# provider v3 name of the same setting
enabled if {
	not lib.has(attrs, "uniform_bucket_level_access")
	lib.truthy(attrs.bucket_policy_only)
}

fail contains result if {
	not enabled
	value := object.get(obj(attrs), "uniform_bucket_level_access", false)
	result := {
		"msg": sprintf("bucket \"%v\" uses fine-grained ACLs (uniform_bucket_level_access = %v)", [input.resource.name, show(value)]),
		"path": "uniform_bucket_level_access",
		"fix": {"description": "Enable uniform bucket-level access", "ops": [{"op": "set", "path": "uniform_bucket_level_access", "value": true}]},
	}
}
