# METADATA
# title: EBS volumes are encrypted
# description: >-
#   An unencrypted EBS volume stores its data, and every snapshot taken from it, in clear text.
#   Volumes pass when the same configuration enables EBS encryption by default for the account.
# custom:
#   id: PG-AWS-EC2-008
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_ebs_volume]
#     cloudformation: ["AWS::EC2::Volume"]
#   frameworks:
#     cis-aws: ["2.2.1"]
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set encrypted = true (CloudFormation: Encrypted: true) or enable
#     aws_ebs_encryption_by_default for the account and region.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.ebs_volume_encrypted

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_ebs_volume"}
	not default_encryption_on
	not lib.truthy(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the volume is not encrypted", describe([v | v := input.resource.attributes.encrypted])]),
		"path": "encrypted",
		"fix": {"description": "Encrypt the volume (forces a new volume)", "ops": [{"op": "set", "path": "encrypted", "value": true}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::EC2::Volume"}
	not lib.truthy(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the volume is not encrypted", describe([v | v := input.resource.attributes.Encrypted])]),
		"path": "Encrypted",
		"fix": {"description": "Encrypt the volume (forces a new volume)", "ops": [{"op": "set", "path": "Encrypted", "value": true}]}
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

# account default: every new volume is encrypted unless this is disabled
default_encryption_on if {
	some r in input.resources
	r.type == "aws_ebs_encryption_by_default"
	not lib.falsy(object.get(r.attributes, "enabled", true))
	not lib.is_unknown(object.get(r.attributes, "enabled", true))
}

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
