# METADATA
# title: KMS key policies do not allow any principal
# description: >-
#   A key policy is the root of access to a KMS key: a statement open to everyone lets any
#   AWS account use or manage the key, and so decrypt every object, volume and secret
#   encrypted under it. A statement counts as public when it allows Principal "*" or {"AWS":
#   "*"} (or uses Allow with NotPrincipal) and no condition limits the callers:
#   aws:SourceVpce, aws:SourceVpc, aws:PrincipalOrgID, aws:PrincipalAccount,
#   aws:SourceAccount, aws:SourceArn (and similar) with specific values, or aws:SourceIp
#   with private or narrow ranges. Negated operators, ...IfExists, ForAllValues and
#   conditions such as aws:SecureTransport do not limit who calls. kms:CallerAccount also
#   limits (AWS's own key policies use it with kms:ViaService).
# custom:
#   id: PG-AWS-KMS-100
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_kms_key, aws_kms_key_policy]
#     cloudformation: ["AWS::KMS::Key", "AWS::KMS::ReplicaKey"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     pci-dss-4.0: ["7.2.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Name the account root or the roles that use the key in Principal, or limit the
#     statement with kms:CallerAccount, aws:PrincipalOrgID or aws:SourceArn.
#   fixable: false
package policyguard.rules.aws.kms.key_policy_public

import data.policyguard.lib
import rego.v1

# the attributes that hold the policy, by resource type
policy_keys := {
	"aws_kms_key": ["policy"],
	"aws_kms_key_policy": ["policy"],
	"AWS::KMS::Key": ["KeyPolicy"],
	"AWS::KMS::ReplicaKey": ["KeyPolicy"],
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
	result := {"msg": sprintf("%s: the key policy is not resolved", [input.resource.id]), "path": key}
}

via(g) := sprintf(" (in %s)", [g.source]) if g.source != null

via(g) := "" if g.source == null
