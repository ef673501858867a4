# METADATA
# title: API Gateway REST API stages have X-Ray tracing enabled
# description: >-
#   Without active tracing (xray_tracing_enabled, CloudFormation: TracingEnabled; off by
#   default) requests through the stage leave no trace across the integrations behind it,
#   which slows down investigating errors, latency and abuse.
# custom:
#   id: PG-AWS-APIGATEWAY-101
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_api_gateway_stage]
#     cloudformation: ["AWS::ApiGateway::Stage"]
#   frameworks:
#     nist-800-53: ["AU-12", "SI-4"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Set xray_tracing_enabled = true (CloudFormation: TracingEnabled: true).
#   fixable: false
package policyguard.rules.aws.apigateway.stage_xray

import data.policyguard.lib
import rego.v1

keys := {"aws_api_gateway_stage": "xray_tracing_enabled", "AWS::ApiGateway::Stage": "TracingEnabled"}

fail contains result if {
	key := keys[input.resource.type]
	not lib.truthy(lib.attr(key))
	result := {"msg": sprintf("%s: X-Ray tracing is not enabled on the stage", [input.resource.id]), "path": key}
}
