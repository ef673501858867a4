# METADATA
# title: QLDB ledgers use the STANDARD permissions mode
# description: >-
#   In ALLOW_ALL mode (the legacy mode) any principal allowed to call SendCommand on the
#   ledger may run every PartiQL command on every table; STANDARD mode requires table- and
#   command-level permissions.
# custom:
#   id: PG-AWS-QLDB-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_qldb_ledger]
#     cloudformation: ["AWS::QLDB::Ledger"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     soc2: ["CC6.3"]
#   remediation: >-
#     Set permissions_mode = "STANDARD" (CloudFormation: PermissionsMode: STANDARD) and
#     grant qldb:PartiQL* actions per table.
#   fixable: false
package policyguard.rules.aws.qldb.permissions_mode

import data.policyguard.lib
import rego.v1

keys := {"aws_qldb_ledger": "permissions_mode", "AWS::QLDB::Ledger": "PermissionsMode"}

fail contains result if {
	key := keys[input.resource.type]
	upper(lib.str(lib.attr(key))) == "ALLOW_ALL"
	result := {"msg": sprintf("%s: the ledger uses the ALLOW_ALL permissions mode", [input.resource.id]), "path": key}
}

fail contains result if {
	key := keys[input.resource.type]
	lib.is_unknown(lib.attr(key))
	result := {"msg": sprintf("%s: the ledger's permissions mode is not resolved", [input.resource.id]), "path": key}
}
