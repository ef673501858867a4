# METADATA
# title: Lambda permissions do not let any principal invoke the function
# description: >-
#   A resource-based permission with principal "*" and no source_arn, source_account or
#   principal_org_id lets every AWS account (and, through a function URL, everyone) invoke the
#   function. Service principals must be scoped with source_arn or source_account to prevent the
#   confused-deputy problem.
# custom:
#   id: PG-AWS-LAMBDA-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_lambda_permission]
#     cloudformation: ["AWS::Lambda::Permission"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Name the invoking service or account in principal and add source_arn (CloudFormation:
#     SourceArn) or source_account / principal_org_id.
#   fixable: false
package policyguard.rules.aws.lambda.permission_public

import data.policyguard.lib
import rego.v1

keys := {
	"terraform": {"principal": "principal", "scopes": ["source_arn", "source_account", "principal_org_id"]},
	"cloudformation": {"principal": "Principal", "scopes": ["SourceArn", "SourceAccount", "PrincipalOrgID"]},
}

fail contains result if {
	k := keys[input.resource.platform]
	principal := input.resource.attributes[k.principal]
	anyone(principal)
	not scoped(k.scopes)
	result := {
		"msg": sprintf("%s: any principal may call %v on the function (no source ARN, account or organization condition)", [input.resource.id, object.get(input.resource.attributes, "action", object.get(input.resource.attributes, "Action", "lambda:InvokeFunction"))]),
		"path": k.principal,
	}
}

anyone(p) if p == "*"

# an unresolved principal is judged (the engine reports unknown)
anyone(p) if lib.is_unknown(p)

scoped(scopes) if {
	some key in scopes
	v := input.resource.attributes[key]
	v != null
	v != ""
}
