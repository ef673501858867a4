# METADATA
# title: API Gateway stages write access logs
# description: >-
#   Access logs record who called which route, from where and with what result; without them
#   abuse of an API and the source of a breach cannot be traced.
# custom:
#   id: PG-AWS-APIGATEWAY-001
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_api_gateway_stage, aws_apigatewayv2_stage]
#     cloudformation: ["AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage", "AWS::Serverless::Api", "AWS::Serverless::HttpApi"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add access_log_settings { destination_arn = <log group ARN>, format = ... } to the stage
#     (CloudFormation: AccessLogSetting for REST APIs, AccessLogSettings for HTTP/WebSocket
#     APIs).
#   fixable: false
package policyguard.rules.aws.apigateway.access_logging

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_api_gateway_stage", "aws_apigatewayv2_stage"}
	not present(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "access logging is not configured", describe([v | v := input.resource.attributes.access_log_settings[0].destination_arn])]),
		"path": path_0
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::ApiGateway::Stage"}
	not present(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "access logging is not configured", describe([v | v := input.resource.attributes.AccessLogSetting.DestinationArn])]),
		"path": path_1
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::ApiGatewayV2::Stage"}
	not present(value_2)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "access logging is not configured", describe([v | v := input.resource.attributes.AccessLogSettings.DestinationArn])]),
		"path": path_2
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Serverless::Api"}
	not present(value_3)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "access logging is not configured", describe([v | v := input.resource.attributes.AccessLogSetting.DestinationArn])]),
		"path": path_3
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::Serverless::HttpApi"}
	not present(value_4)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "access logging is not configured", describe([v | v := input.resource.attributes.AccessLogSettings.DestinationArn])]),
		"path": path_4
	}
}

# where target 0 is judged: the attribute, or the enclosing block when that is missing
path_0 := "access_log_settings[0].destination_arn" if {
	_ = input.resource.attributes.access_log_settings[0]
} else := "access_log_settings"

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.access_log_settings[0].destination_arn
} else := null

# where target 1 is judged: the attribute, or the enclosing block when that is missing
path_1 := "AccessLogSetting.DestinationArn" if {
	_ = input.resource.attributes.AccessLogSetting
} else := "AccessLogSetting"

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.AccessLogSetting.DestinationArn
} else := null

# where target 2 is judged: the attribute, or the enclosing block when that is missing
path_2 := "AccessLogSettings.DestinationArn" if {
	_ = input.resource.attributes.AccessLogSettings
} else := "AccessLogSettings"

# the judged value of target 2, null when absent (portable: no undefined arguments under `not`)
value_2 := v if {
	v := input.resource.attributes.AccessLogSettings.DestinationArn
} else := null

# where target 3 is judged: the attribute, or the enclosing block when that is missing
path_3 := "AccessLogSetting.DestinationArn" if {
	_ = input.resource.attributes.AccessLogSetting
} else := "AccessLogSetting"

# the judged value of target 3, null when absent (portable: no undefined arguments under `not`)
value_3 := v if {
	v := input.resource.attributes.AccessLogSetting.DestinationArn
} else := null

# where target 4 is judged: the attribute, or the enclosing block when that is missing
path_4 := "AccessLogSettings.DestinationArn" if {
	_ = input.resource.attributes.AccessLogSettings
} else := "AccessLogSettings"

# the judged value of target 4, null when absent (portable: no undefined arguments under `not`)
value_4 := v if {
	v := input.resource.attributes.AccessLogSettings.DestinationArn
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

present(v) if {
	is_string(v)
	v != ""
}

present(v) if lib.is_unknown(v)
