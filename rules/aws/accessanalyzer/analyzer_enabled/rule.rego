# METADATA
# title: IAM Access Analyzer watches for external access
# description: >-
#   An external-access analyzer (type ACCOUNT, the default, or ORGANIZATION) reports buckets,
#   keys, roles, queues and secrets that another account or the public can reach. Unused-access
#   analyzers do not. An account-level control: judged on the unit's CloudTrail trail (the
#   resource that marks a unit as an account baseline), passing when the unit declares an
#   aws_accessanalyzer_analyzer or AWS::AccessAnalyzer::Analyzer of an external-access type.
#   Analyzers are regional: declare one per region the provider or stack set deploys to.
# custom:
#   id: PG-AWS-ACCESSANALYZER-001
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     cis-aws: ["1.20"]
#     nist-800-53: ["AC-6", "CA-7"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Add an aws_accessanalyzer_analyzer (type = "ACCOUNT" or "ORGANIZATION") or an
#     AWS::AccessAnalyzer::Analyzer (Type: ACCOUNT) in every region.
#   fixable: false
package policyguard.rules.aws.accessanalyzer.analyzer_enabled

import data.policyguard.lib
import rego.v1

type_keys := {"aws_accessanalyzer_analyzer": "type", "AWS::AccessAnalyzer::Analyzer": "Type"}

external_types := {"ACCOUNT", "ORGANIZATION"}

# analyzer type: the Terraform default is ACCOUNT; CloudFormation requires Type
kinds contains [id, t] if {
	some id, r in input.resources
	key := type_keys[r.type]
	t := object.get(lib.obj(r.attributes), key, default_type(r.type))
}

default_type("aws_accessanalyzer_analyzer") := "ACCOUNT"

default_type("AWS::AccessAnalyzer::Analyzer") := null

external if {
	some pair in kinds
	upper(lib.str(pair[1])) in external_types
}

unresolved := sort([lib.unknown_expr(pair[1]) | some pair in kinds; lib.is_unknown(pair[1])])

fail contains result if {
	not external
	count(unresolved) == 0
	result := {
		"msg": sprintf("%s: this unit declares no IAM Access Analyzer for external access (%s), so resources shared outside the account go unreported (CIS 1.20)", [input.resource.id, found]),
		"path": "",
	}
}

unknown contains result if {
	not external
	count(unresolved) > 0
	result := {
		"msg": sprintf("%s: the type of an Access Analyzer is unresolved", [input.resource.id]),
		"path": "",
		"expr": concat(", ", unresolved),
	}
}

found := "no analyzer" if count(kinds) == 0

found := sprintf("only %s", [concat(", ", sort([sprintf("%v", [pair[1]]) | some pair in kinds]))]) if count(kinds) > 0
