# METADATA
# title: Lambda function URLs require IAM authentication
# description: >-
#   A function URL with authorization type NONE can be invoked by anyone on the internet who
#   learns the URL; only functions that are deliberately public (and authenticate requests
#   themselves) should use it.
# custom:
#   id: PG-AWS-LAMBDA-005
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_lambda_function_url]
#     cloudformation: ["AWS::Lambda::Url", "AWS::Serverless::Function"]
#   frameworks:
#     nist-800-53: ["AC-3", "IA-2"]
#   remediation: >-
#     Set authorization_type = "AWS_IAM" (CloudFormation: AuthType: AWS_IAM), or front the
#     function with API Gateway and an authorizer.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.lambda.function_url_auth

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_lambda_function_url"}
	not value_0 == "AWS_IAM"
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the function URL does not require authentication", describe([v | v := input.resource.attributes.authorization_type])]),
		"path": "authorization_type",
		"fix": {"description": "Require IAM authentication", "ops": [{"op": "set", "path": "authorization_type", "value": "AWS_IAM"}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Lambda::Url"}
	not value_1 == "AWS_IAM"
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the function URL does not require authentication", describe([v | v := input.resource.attributes.AuthType])]),
		"path": "AuthType",
		"fix": {"description": "Require IAM authentication", "ops": [{"op": "set", "path": "AuthType", "value": "AWS_IAM"}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Serverless::Function"}
	lib.has(input.resource.attributes, "FunctionUrlConfig")
	not value_2 == "AWS_IAM"
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the function URL does not require authentication", describe([v | v := input.resource.attributes.FunctionUrlConfig.AuthType])]),
		"path": path_2,
		"fix": {"description": "Require IAM authentication", "ops": [fix_op_2]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.authorization_type
} else := null

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.AuthType
} else := null

# where target 2 is judged: the attribute, or the enclosing block when that is missing
path_2 := "FunctionUrlConfig.AuthType" if {
	_ = input.resource.attributes.FunctionUrlConfig
} else := "FunctionUrlConfig"

fix_op_2 := {"op": "set", "path": "FunctionUrlConfig.AuthType", "value": "AWS_IAM"} if {
	_ = input.resource.attributes.FunctionUrlConfig
} else := {"op": "set", "path": "FunctionUrlConfig", "value": {"AuthType": "AWS_IAM"}}

# the judged value of target 2, null when absent (portable: no undefined arguments under `not`)
value_2 := v if {
	v := input.resource.attributes.FunctionUrlConfig.AuthType
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
