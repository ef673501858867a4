# METADATA
# title: Lambda functions have active X-Ray tracing
# description: >-
#   Active tracing records each invocation and its downstream calls, which is what incident
#   responders use to follow a request through serverless code.
# custom:
#   id: PG-AWS-LAMBDA-002
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_lambda_function]
#     cloudformation: ["AWS::Lambda::Function", "AWS::Serverless::Function"]
#   remediation: >-
#     Add tracing_config { mode = "Active" } (CloudFormation: TracingConfig: {Mode: Active}) and
#     allow xray:PutTraceSegments in the function role.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.lambda.tracing

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_lambda_function"}
	not value_0 == "Active"
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "X-Ray tracing is not active", describe([v | v := input.resource.attributes.tracing_config[0].mode])]),
		"path": path_0,
		"fix": {"description": "Enable active X-Ray tracing", "ops": [fix_op_0]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Lambda::Function"}
	not value_1 == "Active"
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "X-Ray tracing is not active", describe([v | v := input.resource.attributes.TracingConfig.Mode])]),
		"path": path_1,
		"fix": {"description": "Enable active X-Ray tracing", "ops": [fix_op_1]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Serverless::Function"}
	not value_2 == "Active"
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "X-Ray tracing is not active", describe([v | v := input.resource.attributes.Tracing])]),
		"path": "Tracing",
		"fix": {"description": "Enable active X-Ray tracing", "ops": [{"op": "set", "path": "Tracing", "value": "Active"}]}
	}
}

# where target 0 is judged: the attribute, or the enclosing block when that is missing
path_0 := "tracing_config[0].mode" if {
	_ = input.resource.attributes.tracing_config[0]
} else := "tracing_config"

fix_op_0 := {"op": "set", "path": "tracing_config[0].mode", "value": "Active"} if {
	_ = input.resource.attributes.tracing_config[0]
} else := {"op": "set", "path": "tracing_config", "value": [{"mode": "Active"}]}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.tracing_config[0].mode
} else := null

# where target 1 is judged: the attribute, or the enclosing block when that is missing
path_1 := "TracingConfig.Mode" if {
	_ = input.resource.attributes.TracingConfig
} else := "TracingConfig"

fix_op_1 := {"op": "set", "path": "TracingConfig.Mode", "value": "Active"} if {
	_ = input.resource.attributes.TracingConfig
} else := {"op": "set", "path": "TracingConfig", "value": {"Mode": "Active"}}

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.TracingConfig.Mode
} else := null

# the judged value of target 2, null when absent (portable: no undefined arguments under `not`)
value_2 := v if {
	v := input.resource.attributes.Tracing
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0
