# METADATA
# title: CloudTrail trails deliver events to CloudWatch Logs
# description: >-
#   Events that only land in S3 can be searched later but not alarmed on: the CIS monitoring
#   controls (4.x, PG-AWS-MONITOR-*) need the trail in a CloudWatch Logs group. Delivery needs
#   both the log group ARN and a role CloudTrail assumes to write to it. CIS AWS Foundations
#   listed this as 3.4 up to v2.0; v3.0 folds it into section 4, so no cis-aws tag here.
# custom:
#   id: PG-AWS-CLOUDTRAIL-007
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     nist-800-53: ["AU-6", "SI-4"]
#     pci-dss-4.0: ["10.4.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Set cloud_watch_logs_group_arn ("${aws_cloudwatch_log_group.x.arn}:*") and
#     cloud_watch_logs_role_arn (CloudFormation: CloudWatchLogsLogGroupArn and
#     CloudWatchLogsRoleArn) on the trail.
#   fixable: false
package policyguard.rules.aws.cloudtrail.cloudwatch_logs

import data.policyguard.lib
import rego.v1

names := {
	"terraform": {"group": "cloud_watch_logs_group_arn", "role": "cloud_watch_logs_role_arn"},
	"cloudformation": {"group": "CloudWatchLogsLogGroupArn", "role": "CloudWatchLogsRoleArn"},
}

k := names[input.resource.platform]

fail contains result if {
	not present(lib.attr(k.group))
	result := {
		"msg": sprintf("%s: the trail does not send events to CloudWatch Logs (%s is not set)", [input.resource.id, k.group]),
		"path": k.group,
	}
}

fail contains result if {
	present(lib.attr(k.group))
	not present(lib.attr(k.role))
	result := {
		"msg": sprintf("%s: %s is set but %s is not, so CloudTrail cannot write to the log group", [input.resource.id, k.group, k.role]),
		"path": k.role,
	}
}

# a non-empty string, or a value resolved only at apply time (a reference)
present(v) if {
	is_string(v)
	trim_space(v) != ""
}

present(v) if lib.is_unknown(v)
