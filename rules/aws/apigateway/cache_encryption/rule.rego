# METADATA
# title: API Gateway response caches are encrypted
# description: >-
#   When caching is enabled for a stage's methods, responses (which may hold personal data
#   or tokens) are stored in the cache cluster; cache_data_encrypted (CloudFormation:
#   MethodSettings CacheDataEncrypted) is off by default. Method settings without caching
#   are not judged.
# custom:
#   id: PG-AWS-APIGATEWAY-102
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_api_gateway_method_settings]
#     cloudformation: ["AWS::ApiGateway::Stage"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Set cache_data_encrypted = true wherever caching_enabled = true (CloudFormation:
#     CacheDataEncrypted: true in the MethodSettings entry).
#   fixable: false
package policyguard.rules.aws.apigateway.cache_encryption

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_api_gateway_method_settings"
	s := lib.first(lib.attr("settings"))
	lib.truthy(object.get(lib.obj(s), "caching_enabled", null))
	not lib.truthy(object.get(lib.obj(s), "cache_data_encrypted", null))
	result := {"msg": sprintf("%s: cached responses for %v are not encrypted", [input.resource.id, shown(lib.attr("method_path"))]), "path": "settings[0].cache_data_encrypted"}
}

fail contains result if {
	input.resource.type == "AWS::ApiGateway::Stage"
	some i, s in lib.arr(lib.attr("MethodSettings"))
	lib.truthy(object.get(lib.obj(s), "CachingEnabled", null))
	not lib.truthy(object.get(lib.obj(s), "CacheDataEncrypted", null))
	result := {"msg": sprintf("%s: cached responses for %v are not encrypted", [input.resource.id, shown(object.get(lib.obj(s), "ResourcePath", null))]), "path": sprintf("MethodSettings[%d].CacheDataEncrypted", [i])}
}

shown(p) := "every method" if p in {null, "*/*", "/*"}

shown(p) := p if not p in {null, "*/*", "/*"}
