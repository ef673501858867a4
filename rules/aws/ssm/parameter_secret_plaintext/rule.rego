# METADATA
# title: SSM parameters named like secrets are SecureString
# description: >-
#   A String or StringList parameter is stored and returned unencrypted, readable by anyone
#   with ssm:GetParameter on it. A parameter whose name looks like a secret (password,
#   token, api_key...) or whose value looks like a credential should be a SecureString.
#   CloudFormation cannot create SecureString parameters, so such a parameter belongs in
#   Secrets Manager there. A name heuristic: review the findings.
# custom:
#   id: PG-AWS-SSM-002
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [aws_ssm_parameter]
#     cloudformation: ["AWS::SSM::Parameter"]
#   frameworks:
#     nist-800-53: ["IA-5", "SC-28"]
#     pci-dss-4.0: ["8.3.2"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Use type = "SecureString" with a KMS key (Terraform), or a Secrets Manager secret
#     (CloudFormation, which cannot create SecureString parameters).
#   fixable: false
package policyguard.rules.aws.ssm.parameter_secret_plaintext

import data.policyguard.lib
import rego.v1

keys := {
	"aws_ssm_parameter": {"name": "name", "type": "type", "value": "value"},
	"AWS::SSM::Parameter": {"name": "Name", "type": "Type", "value": "Value"},
}

fail contains result if {
	k := keys[input.resource.type]
	t := lib.attr(k.type)
	upper(lib.str(t)) in {"STRING", "STRINGLIST"}
	reason := why(k)
	result := {"msg": sprintf("%s: a %s parameter %s (value not shown)", [input.resource.id, t, reason]), "path": k.type}
}

# the value when it is a literal, else a placeholder long enough to count as one (a reference
# to a random_password or a parameter is still a secret stored in clear)
why(k) := lib.env_secret_reason(name, value) if {
	name := parameter_name(k)
	value := literal(lib.attr(k.value))
}

parameter_name(k) := n if {
	n := lib.attr(k.name)
	is_string(n)
} else := input.resource.name

literal(v) := v if is_string(v)

literal(v) := "unresolved-value" if not is_string(v)
