# METADATA
# title: Lambda functions do not use deprecated runtimes
# description: >-
#   AWS stops applying security patches to a runtime once it is deprecated (its language
#   version is end of life), and later blocks creating and updating functions on it. The
#   rule lists the runtimes deprecated by Lambda's runtime deprecation policy; container-
#   image functions (no runtime) are not judged.
# custom:
#   id: PG-AWS-LAMBDA-100
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_lambda_function]
#     cloudformation: ["AWS::Lambda::Function"]
#   frameworks:
#     nist-800-53: ["SI-2", "SA-22"]
#     pci-dss-4.0: ["6.3.3"]
#     soc2: ["CC7.1"]
#   remediation: >-
#     Move the function to a supported runtime (python3.12+, nodejs22.x, java21, dotnet8,
#     ruby3.3+, provided.al2023) and test it.
#   fixable: false
package policyguard.rules.aws.lambda.deprecated_runtime

import data.policyguard.lib
import rego.v1

deprecated := {
	"python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
	"nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
	"nodejs14.x", "nodejs16.x", "nodejs18.x",
	"java8", "go1.x", "provided", "ruby2.5", "ruby2.7",
	"dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6", "dotnet7",
}

keys := {"aws_lambda_function": "runtime", "AWS::Lambda::Function": "Runtime"}

fail contains result if {
	key := keys[input.resource.type]
	v := lib.attr(key)
	lower(lib.str(v)) in deprecated
	result := {"msg": sprintf("%s: runtime %s is deprecated and no longer receives security patches", [input.resource.id, v]), "path": key}
}
