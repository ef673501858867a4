# METADATA
# title: RDS snapshots are not shared publicly
# description: >-
#   A DB or cluster snapshot shared with "all" can be copied and restored by every AWS
#   account: the whole database, users and password hashes included. Only unencrypted
#   snapshots can be made public, so the data is readable by anyone who restores it.
# custom:
#   id: PG-AWS-RDS-100
#   severity: critical
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_db_snapshot, aws_db_cluster_snapshot, aws_db_snapshot_copy]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     pci-dss-4.0: ["7.2.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Remove "all" from shared_accounts and share with the specific account ids that need
#     the snapshot.
#   fixable: false
package policyguard.rules.aws.rds.snapshot_public

import data.policyguard.lib
import rego.v1

fail contains result if {
	accounts := lib.attr("shared_accounts")
	some i, a in lib.arr(accounts)
	lower(lib.str(a)) == "all"
	result := {"msg": sprintf("%s: the snapshot is shared with every AWS account (shared_accounts contains \"all\")", [input.resource.id]), "path": sprintf("shared_accounts[%d]", [i])}
}

fail contains result if {
	lib.is_unknown(lib.attr("shared_accounts"))
	result := {"msg": sprintf("%s: the accounts the snapshot is shared with are not resolved", [input.resource.id]), "path": "shared_accounts"}
}
