# METADATA
# title: SSM documents are not shared publicly
# description: >-
#   An SSM document shared with account_ids = "All" is public: every AWS account can read
#   its content (scripts, parameters, internal host names, sometimes credentials) and run
#   it.
# custom:
#   id: PG-AWS-SSM-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_ssm_document]
#   frameworks:
#     nist-800-53: ["AC-3"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Share the document with specific account ids in permissions.account_ids, or remove
#     the permissions.
#   fixable: false
package policyguard.rules.aws.ssm.document_public

import data.policyguard.lib
import rego.v1

fail contains result if {
	perms := lib.attr("permissions")
	ids := object.get(lib.obj(perms), "account_ids", null)
	some id in split(lib.str(ids), ",")
	lower(trim_space(id)) == "all"
	result := {"msg": sprintf("%s: the document is shared with every AWS account (permissions.account_ids = %q)", [input.resource.id, ids]), "path": "permissions.account_ids"}
}
