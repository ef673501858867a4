# METADATA
# title: S3 Glacier vault access policies do not allow any principal
# description: >-
#   A vault access policy open to everyone lets any AWS account retrieve archives from the
#   vault or, with delete actions, destroy them. A statement counts as public when it allows
#   Principal "*" or {"AWS": "*"} (or uses Allow with NotPrincipal) and no condition limits
#   the callers: aws:SourceVpce, aws:SourceVpc, aws:PrincipalOrgID, aws:PrincipalAccount,
#   aws:SourceAccount, aws:SourceArn (and similar) with specific values, or aws:SourceIp
#   with private or narrow ranges. Negated operators, ...IfExists, ForAllValues and
#   conditions such as aws:SecureTransport do not limit who calls.
# custom:
#   id: PG-AWS-GLACIER-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_glacier_vault]
#     cloudformation: ["AWS::Glacier::Vault"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     pci-dss-4.0: ["7.2.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Name the accounts or roles that use the vault in Principal, or limit the statement
#     with aws:PrincipalOrgID.
#   fixable: false
package policyguard.rules.aws.glacier.vault_policy_public

import data.policyguard.lib
import rego.v1

# the attributes that hold the policy, by resource type
policy_keys := {
	"aws_glacier_vault": ["access_policy"],
	"AWS::Glacier::Vault": ["AccessPolicy"],
}

keys := object.get(policy_keys, input.resource.type, [])

fail contains result if {
	some g in lib.public_grants(keys)
	result := {
		"msg": sprintf("%s: %s%s allows %s to any principal without a condition that limits the callers", [input.resource.id, lib.statement_label(g.st), via(g), lib.statement_actions(g.st)]),
		"path": g.path,
	}
}

fail contains result if {
	some key in lib.unresolved_policies(keys)
	result := {"msg": sprintf("%s: the vault access policy is not resolved", [input.resource.id]), "path": key}
}

via(g) := sprintf(" (in %s)", [g.source]) if g.source != null

via(g) := "" if g.source == null
