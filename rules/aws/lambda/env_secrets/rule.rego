# METADATA
# title: Lambda environment variables do not hold literal secrets
# description: >-
#   Environment variables are stored with the function configuration, shown in the console, returned
#   by GetFunctionConfiguration to anyone with read access, and committed with the IaC source.
#   A literal value in a variable named like a password, token or key, or a value that looks like
#   an AWS access key, private key or well-known API token, is reported. Values that point at a
#   secret store (Secrets Manager or SSM ARNs, CloudFormation dynamic references, parameter paths)
#   and unresolved references pass.
# custom:
#   id: PG-AWS-LAMBDA-004
#   severity: high
#   profile: baseline
#   confidence: medium
#   resource_types:
#     terraform: [aws_lambda_function]
#     cloudformation: ["AWS::Lambda::Function", "AWS::Serverless::Function"]
#   frameworks:
#     nist-800-53: ["IA-5(7)", "SC-28"]
#     pci-dss-4.0: ["8.3.2"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Store the secret in Secrets Manager or SSM Parameter Store (SecureString), pass its ARN or
#     name in the environment, and read it at runtime (for example with the AWS Parameters and
#     Secrets Lambda Extension). Rotate any secret that was committed.
#   fixable: false
package policyguard.rules.aws.lambda.env_secrets

import data.policyguard.lib
import rego.v1

variables := {"base": "environment[0].variables", "vars": input.resource.attributes.environment[0].variables} if {
	input.resource.platform == "terraform"
}

variables := {"base": "Environment.Variables", "vars": input.resource.attributes.Environment.Variables} if {
	input.resource.platform == "cloudformation"
}

fail contains result if {
	some name, value in lib.obj(variables.vars)
	is_string(value)
	reason := why(name, value)
	result := {
		"msg": sprintf("%s: environment variable %s %s (value not shown)", [input.resource.id, name, reason]),
		"path": key_path(variables.base, name),
	}
}

why(name, value) := lib.env_secret_reason(name, value)

key_path(base, name) := sprintf("%s.%s", [base, name]) if regex.match(`^[A-Za-z_][A-Za-z0-9_-]*$`, name)

key_path(base, name) := sprintf("%s[%s]", [base, json.marshal(name)]) if not regex.match(`^[A-Za-z_][A-Za-z0-9_-]*$`, name)
