# METADATA
# title: AMIs are not shared publicly
# description: >-
#   An aws_ami_launch_permission with group = "all" makes the image public: every AWS
#   account can launch it and read its volumes, with whatever the build left on them (keys,
#   credentials, application code).
# custom:
#   id: PG-AWS-EC2-104
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_ami_launch_permission]
#   frameworks:
#     nist-800-53: ["AC-3"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Share the AMI with specific account_id, organization_arn or organizational_unit_arn
#     values instead of group = "all".
#   fixable: false
package policyguard.rules.aws.ec2.ami_public

import data.policyguard.lib
import rego.v1

fail contains result if {
	lower(lib.str(lib.attr("group"))) == "all"
	result := {"msg": sprintf("%s: AMI %v is shared with every AWS account", [input.resource.id, lib.attr("image_id")]), "path": "group"}
}

fail contains result if {
	lib.is_unknown(lib.attr("group"))
	result := {"msg": sprintf("%s: the launch permission's group is not resolved", [input.resource.id]), "path": "group"}
}
