# METADATA
# title: GuardDuty detectors are enabled
# description: >-
#   GuardDuty analyses CloudTrail, VPC flow and DNS logs for compromised credentials, crypto
#   mining and reconnaissance. A detector declared with enable = false (Terraform; the default
#   is true) or Enable: false (CloudFormation, where the property is required) produces no
#   findings while looking deployed.
# custom:
#   id: PG-AWS-GUARDDUTY-001
#   severity: medium
#   profile: baseline
#   confidence: medium
#   resource_types:
#     terraform: [aws_guardduty_detector]
#     cloudformation: ["AWS::GuardDuty::Detector"]
#   frameworks:
#     nist-800-53: ["SI-4", "RA-5"]
#     pci-dss-4.0: ["11.5.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Set enable = true (Terraform, or remove the attribute) or Enable: true (CloudFormation) on
#     the detector.
#   fixable: false
package policyguard.rules.aws.guardduty.detector_enabled

import data.policyguard.lib
import rego.v1

# Terraform: null or absent is the default (true); an unresolved value fails on its path (unknown)
fail contains result if {
	input.resource.platform == "terraform"
	v := lib.attr("enable")
	v != null
	not lib.truthy(v)
	result := {
		"msg": sprintf("%s: the detector is disabled (enable is %s)", [input.resource.id, json.marshal(v)]),
		"path": "enable",
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	v := lib.attr("Enable")
	not lib.truthy(v)
	result := {
		"msg": sprintf("%s: the detector is not enabled (Enable is %s)", [input.resource.id, json.marshal(v)]),
		"path": "Enable",
	}
}
