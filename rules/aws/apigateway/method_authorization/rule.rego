# METADATA
# title: API Gateway methods and routes require authorization
# description: >-
#   A REST API method with authorization = NONE (CloudFormation: AuthorizationType, whose
#   default is NONE) or an HTTP/WebSocket API route with authorization_type NONE (the
#   default) can be called by anyone who knows the URL; an API key is an identifier for
#   usage plans, not authorization. OPTIONS methods and routes (CORS preflight) are not
#   judged, nor WebSocket routes other than $connect (only $connect can carry an
#   authorizer).
# custom:
#   id: PG-AWS-APIGATEWAY-100
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_api_gateway_method, aws_apigatewayv2_route]
#     cloudformation: ["AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Route"]
#   frameworks:
#     nist-800-53: ["AC-3", "IA-2"]
#     pci-dss-4.0: ["8.2.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Attach an authorizer: AWS_IAM, COGNITO_USER_POOLS or CUSTOM (Lambda) for REST
#     methods; AWS_IAM, JWT or CUSTOM for HTTP API routes. Keep public endpoints as
#     reviewed exceptions.
#   fixable: false
package policyguard.rules.aws.apigateway.method_authorization

import data.policyguard.lib
import rego.v1

keys := {
	"aws_api_gateway_method": {"auth": "authorization", "method": "http_method", "default": null},
	"AWS::ApiGateway::Method": {"auth": "AuthorizationType", "method": "HttpMethod", "default": "NONE"},
	"aws_apigatewayv2_route": {"auth": "authorization_type", "method": "route_key", "default": "NONE"},
	"AWS::ApiGatewayV2::Route": {"auth": "AuthorizationType", "method": "RouteKey", "default": "NONE"},
}

fail contains result if {
	k := keys[input.resource.type]
	v := object.get(input.resource.attributes, k.auth, k.default)
	upper(lib.str(v)) == "NONE"
	m := lib.attr(k.method)
	not preflight(m)
	not websocket_without_authorizer(m)
	result := {"msg": sprintf("%s: %v is callable without authorization", [input.resource.id, shown(m)]), "path": k.auth}
}

fail contains result if {
	k := keys[input.resource.type]
	lib.is_unknown(lib.attr(k.auth))
	result := {"msg": sprintf("%s: the authorization type is not resolved", [input.resource.id]), "path": k.auth}
}

preflight(m) if upper(lib.str(m)) == "OPTIONS"

preflight(m) if startswith(upper(lib.str(m)), "OPTIONS ")

# WebSocket APIs authorize on $connect only; their other routes cannot carry an authorizer
websocket_without_authorizer(m) if {
	lib.str(m) != "$connect"
	some ref in lib.arr(input.resource.references)
	ref.path in {"api_id", "ApiId"}
	api := input.resources[ref.target]
	upper(lib.str(object.get(api.attributes, ["protocol_type", "ProtocolType"][_], ""))) == "WEBSOCKET"
}

shown(m) := sprintf("method %s", [m]) if input.resource.type in {"aws_api_gateway_method", "AWS::ApiGateway::Method"}

shown(m) := sprintf("route %v", [m]) if not input.resource.type in {"aws_api_gateway_method", "AWS::ApiGateway::Method"}
