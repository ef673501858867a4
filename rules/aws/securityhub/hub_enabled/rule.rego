# METADATA
# title: AWS Security Hub is enabled
# description: >-
#   Security Hub collects findings from GuardDuty, Inspector, Macie, Config and Access Analyzer
#   and checks the account against security standards; CIS AWS 4.16 asks for it in every
#   region. An account-level control: judged on the unit's CloudTrail trail (the resource that
#   marks a unit as an account baseline), passing when the unit declares aws_securityhub_account
#   or AWS::SecurityHub::Hub, or an aws_securityhub_organization_configuration that enables
#   member accounts automatically.
# custom:
#   id: PG-AWS-SECURITYHUB-001
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     cis-aws: ["4.16"]
#     nist-800-53: ["SI-4", "CA-7"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add an aws_securityhub_account (CloudFormation: AWS::SecurityHub::Hub) in every region, or
#     manage it from the delegated administrator with an organization configuration.
#   fixable: false
package policyguard.rules.aws.securityhub.hub_enabled

import data.policyguard.lib
import rego.v1

hub_types := {"aws_securityhub_account", "AWS::SecurityHub::Hub"}

enabled if {
	some r in input.resources
	r.type in hub_types
}

# a delegated administrator that enables new members (auto_enable, or central configuration)
enabled if {
	some r in input.resources
	r.type == "aws_securityhub_organization_configuration"
	attrs := lib.obj(r.attributes)
	central(attrs)
}

central(attrs) if lib.truthy(object.get(attrs, "auto_enable", false))

central(attrs) if {
	some c in lib.coll(object.get(attrs, "organization_configuration", []))
	object.get(lib.obj(c), "configuration_type", null) == "CENTRAL"
}

fail contains result if {
	not enabled
	result := {
		"msg": sprintf("%s: this unit does not enable AWS Security Hub (no aws_securityhub_account / AWS::SecurityHub::Hub) (CIS 4.16)", [input.resource.id]),
		"path": "",
	}
}
