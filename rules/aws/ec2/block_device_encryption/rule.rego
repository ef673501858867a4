# METADATA
# title: EC2 instance and launch template block devices are encrypted
# description: >-
#   Root and data volumes declared on an instance or a launch template are created unencrypted
#   unless the mapping asks for encryption or the account enables EBS encryption by default.
#   Only declared devices are judged (a device the AMI provides is not visible here); they pass
#   when the same configuration enables aws_ebs_encryption_by_default.
# custom:
#   id: PG-AWS-EC2-010
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_instance, aws_launch_template]
#     cloudformation: ["AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"]
#   frameworks:
#     cis-aws: ["2.2.1"]
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set encrypted = true on root_block_device / ebs_block_device (launch templates:
#     block_device_mappings.ebs.encrypted; CloudFormation: BlockDeviceMappings[].Ebs.Encrypted),
#     or enable EBS encryption by default for the account.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.block_device_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	not default_encryption_on
	some dev in devices
	not lib.truthy(dev.value)
	result := {
		"msg": sprintf("%s: %s is not encrypted (%s)", [input.resource.id, dev.label, describe(dev)]),
		"path": dev.path,
		"fix": {"description": "Encrypt the volume", "ops": [{"op": "set", "path": dev.path, "value": dev.fix}]},
	}
}

# each declared EBS device: the encrypted flag (null when absent), its path, and the secure value
devices contains {"label": "root_block_device", "path": "root_block_device[0].encrypted", "value": object.get(dev, "encrypted", null), "fix": true} if {
	input.resource.type == "aws_instance"
	dev := input.resource.attributes.root_block_device[0]
	is_object(dev)
}

devices contains {"label": sprintf("ebs_block_device %v", [object.get(dev, "device_name", i)]), "path": sprintf("ebs_block_device[%d].encrypted", [i]), "value": object.get(dev, "encrypted", null), "fix": true} if {
	input.resource.type == "aws_instance"
	some i, dev in lib.coll(input.resource.attributes.ebs_block_device)
	is_object(dev)
}

devices contains {"label": sprintf("block device %v", [object.get(m, "device_name", i)]), "path": sprintf("block_device_mappings[%d].ebs[0].encrypted", [i]), "value": object.get(ebs, "encrypted", null), "fix": "true"} if {
	input.resource.type == "aws_launch_template"
	some i, m in lib.coll(input.resource.attributes.block_device_mappings)
	is_object(m)
	ebs := m.ebs[0]
	is_object(ebs)
}

devices contains {"label": sprintf("block device %v", [object.get(m, "DeviceName", i)]), "path": sprintf("%sBlockDeviceMappings[%d].Ebs.Encrypted", [prefix, i]), "value": object.get(m.Ebs, "Encrypted", null), "fix": true} if {
	input.resource.platform == "cloudformation"
	some prefix, mappings in cfn_mappings
	some i, m in lib.coll(mappings)
	is_object(m.Ebs)
}

# keys bound in the body: the compiled VM does not take a partial object rule with a constant key
cfn_mappings[prefix] := input.resource.attributes.BlockDeviceMappings if {
	input.resource.type == "AWS::EC2::Instance"
	prefix := ""
}

cfn_mappings[prefix] := input.resource.attributes.LaunchTemplateData.BlockDeviceMappings if {
	input.resource.type == "AWS::EC2::LaunchTemplate"
	prefix := "LaunchTemplateData."
}

describe(dev) := "encrypted is not set" if dev.value == null

describe(dev) := sprintf("encrypted = %s", [json.marshal(dev.value)]) if dev.value != null

# account default: every new volume is encrypted unless this is disabled
default_encryption_on if {
	some r in input.resources
	r.type == "aws_ebs_encryption_by_default"
	enabled := object.get(r.attributes, "enabled", true)
	not lib.falsy(enabled)
	not lib.is_unknown(enabled)
}
