# METADATA
# title: EFS file systems are encrypted at rest
# description: >-
#   An unencrypted EFS file system stores file data and metadata in clear text; encryption can
#   only be chosen at creation.
# custom:
#   id: PG-AWS-EFS-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_efs_file_system]
#     cloudformation: ["AWS::EFS::FileSystem"]
#   frameworks:
#     cis-aws: ["2.4.1"]
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set encrypted = true (CloudFormation: Encrypted: true), optionally with kms_key_id;
#     migrate data from existing unencrypted file systems.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.efs.encrypted

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_efs_file_system"}
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the file system is not encrypted", describe([v | v := input.resource.attributes.encrypted])]),
		"path": "encrypted",
		"fix": {"description": "Encrypt the file system (forces a new file system)", "ops": [{"op": "set", "path": "encrypted", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::EFS::FileSystem"}
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the file system is not encrypted", describe([v | v := input.resource.attributes.Encrypted])]),
		"path": "Encrypted",
		"fix": {"description": "Encrypt the file system (forces a new file system)", "ops": [{"op": "set", "path": "Encrypted", "value": true}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.encrypted
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.Encrypted
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
