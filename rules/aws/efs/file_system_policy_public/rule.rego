# METADATA
# title: EFS file system policies do not allow any principal
# description: >-
#   A file system policy open to everyone lets any client that can reach a mount target,
#   from any account, mount and write the file system.
#   elasticfilesystem:AccessedViaMountTarget = true limits callers to the file system's
#   network and is not reported. A statement counts as public when it allows Principal "*"
#   or {"AWS": "*"} (or uses Allow with NotPrincipal) and no condition limits the callers:
#   aws:SourceVpce, aws:SourceVpc, aws:PrincipalOrgID, aws:PrincipalAccount,
#   aws:SourceAccount, aws:SourceArn (and similar) with specific values, or aws:SourceIp
#   with private or narrow ranges. Negated operators, ...IfExists, ForAllValues and
#   conditions such as aws:SecureTransport do not limit who calls.
# custom:
#   id: PG-AWS-EFS-100
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_efs_file_system_policy]
#     cloudformation: ["AWS::EFS::FileSystem"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     pci-dss-4.0: ["7.2.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Name the roles that mount the file system, or limit the statement with
#     elasticfilesystem:AccessedViaMountTarget or aws:PrincipalOrgID.
#   fixable: false
package policyguard.rules.aws.efs.file_system_policy_public

import data.policyguard.lib
import rego.v1

# the attributes that hold the policy, by resource type
policy_keys := {
	"aws_efs_file_system_policy": ["policy"],
	"AWS::EFS::FileSystem": ["FileSystemPolicy"],
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
	result := {"msg": sprintf("%s: the file system policy is not resolved", [input.resource.id]), "path": key}
}

via(g) := sprintf(" (in %s)", [g.source]) if g.source != null

via(g) := "" if g.source == null
