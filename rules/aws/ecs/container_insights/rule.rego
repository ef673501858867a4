# METADATA
# title: ECS clusters enable Container Insights
# description: >-
#   Without Container Insights (setting containerInsights = enabled or enhanced;
#   CloudFormation: ClusterSettings) task and container metrics and performance events are
#   not collected, which leaves resource abuse (crypto-mining, runaway tasks) unnoticed. An
#   account-level default set outside the template is not visible and the cluster is judged
#   on its own settings.
# custom:
#   id: PG-AWS-ECS-006
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_ecs_cluster]
#     cloudformation: ["AWS::ECS::Cluster"]
#   frameworks:
#     nist-800-53: ["SI-4", "AU-12"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add setting { name = "containerInsights", value = "enabled" } (CloudFormation:
#     ClusterSettings: [{Name: containerInsights, Value: enabled}]).
#   fixable: false
package policyguard.rules.aws.ecs.container_insights

import data.policyguard.lib
import rego.v1

keys := {
	"aws_ecs_cluster": {"list": "setting", "name": "name", "value": "value"},
	"AWS::ECS::Cluster": {"list": "ClusterSettings", "name": "Name", "value": "Value"},
}

fail contains result if {
	k := keys[input.resource.type]
	not lib.is_unknown(lib.attr(k.list))
	not insights(k)
	result := {"msg": sprintf("%s: Container Insights is not enabled", [input.resource.id]), "path": k.list}
}

insights(k) if {
	some s in lib.arr(lib.attr(k.list))
	object.get(lib.obj(s), k.name, null) == "containerInsights"
	lower(lib.str(object.get(lib.obj(s), k.value, null))) in {"enabled", "enhanced"}
}
