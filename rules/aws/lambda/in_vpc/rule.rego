# METADATA
# title: Lambda functions run inside a VPC
# description: >-
#   A function attached to VPC subnets reaches private resources without exposing them and
#   its outbound traffic passes through security groups, NAT and flow logs you control.
#   Functions that only call public AWS APIs may reasonably stay outside a VPC, hence low
#   severity.
# custom:
#   id: PG-AWS-LAMBDA-003
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_lambda_function]
#     cloudformation: ["AWS::Lambda::Function", "AWS::Serverless::Function"]
#   frameworks:
#     nist-800-53: ["SC-7"]
#   remediation: >-
#     Add vpc_config { subnet_ids = [...], security_group_ids = [...] } (CloudFormation:
#     VpcConfig) using private subnets, and VPC endpoints or NAT for AWS API access.
#   fixable: false
package policyguard.rules.aws.lambda.in_vpc

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	not attached(tf_subnets)
	result := {"msg": sprintf("%s: the function is not attached to VPC subnets", [input.resource.id]), "path": tf_path}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	not attached(cfn_subnets)
	result := {"msg": sprintf("%s: the function is not attached to VPC subnets", [input.resource.id]), "path": cfn_path}
}

attached(ids) if {
	is_array(ids)
	count(ids) > 0
}

tf_path := "vpc_config[0].subnet_ids" if {
	_ = input.resource.attributes.vpc_config[0]
} else := "vpc_config"

cfn_path := "VpcConfig.SubnetIds" if {
	_ = input.resource.attributes.VpcConfig
} else := "VpcConfig"

# portable: bind optional values through a default (OPA leaves `not f(undefined)` undefined)
tf_subnets := v if {
	v := input.resource.attributes.vpc_config[0].subnet_ids
} else := null

cfn_subnets := v if {
	v := input.resource.attributes.VpcConfig.SubnetIds
} else := null
