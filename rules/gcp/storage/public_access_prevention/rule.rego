# METADATA
# title: Storage buckets enforce public access prevention
# description: >-
#   public_access_prevention = "enforced" makes the bucket refuse any grant to allUsers or
#   allAuthenticatedUsers, whatever IAM or ACL change is made later. The default "inherited"
#   only protects the bucket if an organization policy enforces it.
# custom:
#   id: PG-GCP-STORAGE-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [google_storage_bucket]
#   frameworks:
#     nist-800-53: [AC-3, AC-22]
#     soc2: [CC6.1]
#   remediation: Set public_access_prevention = "enforced" (or enforce storage.publicAccessPrevention as an organization policy and suppress this rule).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.gcp.storage.public_access_prevention

import rego.v1

import data.policyguard.lib

# show(v): v for messages, or "unknown (<expression>)" for an unresolved value
show(v) := sprintf("unknown (%s)", [lib.unknown_expr(v)]) if lib.is_unknown(v)

show(v) := v if not lib.is_unknown(v)

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

fail contains result if {
	value := object.get(obj(input.resource.attributes), "public_access_prevention", "inherited")
	value != "enforced"
	result := {
		"msg": sprintf("bucket \"%v\" does not enforce public access prevention (public_access_prevention = %v)", [input.resource.name, show(value)]),
		"path": "public_access_prevention",
		"fix": {"description": "Enforce public access prevention", "ops": [{"op": "set", "path": "public_access_prevention", "value": "enforced"}]},
	}
}
