# METADATA
# title: EC2 instances use an IAM instance profile
# description: >-
#   An instance without an instance profile can only call AWS with credentials stored on it
#   (access keys in files, environment or user data), which are long-lived and easy to leak. A
#   role delivered through an instance profile gives short-lived credentials that rotate.
# custom:
#   id: PG-AWS-EC2-105
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [aws_instance]
#     cloudformation: ["AWS::EC2::Instance"]
#   frameworks:
#     cis-aws: ["1.18"]
#     nist-800-53: ["IA-5"]
#   remediation: >-
#     Attach a role through iam_instance_profile (CloudFormation: IamInstanceProfile), even one
#     with no permissions, and keep credentials off the instance.
#   fixable: false
package policyguard.rules.aws.ec2.instance_profile

import data.policyguard.lib
import rego.v1

key := "iam_instance_profile" if input.resource.platform == "terraform"

key := "IamInstanceProfile" if input.resource.platform == "cloudformation"

# an instance launched from a launch template gets its profile there
from_template if object.get(lib.obj(input.resource.attributes), "launch_template", null) != null

from_template if object.get(lib.obj(input.resource.attributes), "LaunchTemplate", null) != null

fail contains result if {
	not from_template
	v := object.get(lib.obj(input.resource.attributes), key, null)
	v in {null, ""}
	result := {
		"msg": sprintf("%s: no IAM instance profile, so any AWS access must use stored credentials", [input.resource.id]),
		"path": key,
	}
}
