# METADATA
# title: WorkSpaces encrypt their root and user volumes
# description: >-
#   A WorkSpace's user volume holds the user's profile and documents, its root volume the
#   system and cached data; both are unencrypted unless encryption is enabled (the default
#   is off), and encryption can only be chosen when the WorkSpace is created.
# custom:
#   id: PG-AWS-WORKSPACES-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_workspaces_workspace]
#     cloudformation: ["AWS::WorkSpaces::Workspace"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set root_volume_encryption_enabled and user_volume_encryption_enabled to true with
#     volume_encryption_key (CloudFormation: RootVolumeEncryptionEnabled,
#     UserVolumeEncryptionEnabled, VolumeEncryptionKey).
#   fixable: false
package policyguard.rules.aws.workspaces.volume_encryption

import data.policyguard.lib
import rego.v1

volumes := {
	"aws_workspaces_workspace": {"root": "root_volume_encryption_enabled", "user": "user_volume_encryption_enabled"},
	"AWS::WorkSpaces::Workspace": {"root": "RootVolumeEncryptionEnabled", "user": "UserVolumeEncryptionEnabled"},
}

fail contains result if {
	some volume, key in object.get(volumes, input.resource.type, {})
	not lib.truthy(lib.attr(key))
	result := {"msg": sprintf("%s: the %s volume is not encrypted", [input.resource.id, volume]), "path": key}
}
