# METADATA
# title: A CloudWatch metric filter and alarm watch for security group changes
# description: >-
#   CIS AWS Foundations 3.0 4.10. A CloudTrail trail of the unit must send to a CloudWatch
#   Logs group that has a metric filter selecting security group changes and a metric alarm
#   with an alarm action on that filter's metric, so someone is told when it happens. Patterns
#   are compared clause by clause (cis_monitoring.cis_monitor_matches): every clause of the benchmark's
#   pattern, extra clauses only where the benchmark documents them, alternatives joined by ||.
#   Judged on the trail, passing when any trail of the unit satisfies it; a trail whose log
#   group is defined outside the unit is unknown. The trail's multi-region and logging
#   settings are judged by PG-AWS-CLOUDTRAIL-001 and -004.
# custom:
#   id: PG-AWS-MONITOR-010
#   severity: low
#   profile: strict
#   confidence: medium
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     cis-aws: ["4.10"]
#     nist-800-53: ["AU-6", "SI-4"]
#     pci-dss-4.0: ["10.4.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Send the multi-region trail to a CloudWatch Logs group (cloud_watch_logs_group_arn /
#     CloudWatchLogsLogGroupArn), add an aws_cloudwatch_log_metric_filter
#     (AWS::Logs::MetricFilter) on it with the CIS 4.10 pattern, and an
#     aws_cloudwatch_metric_alarm (AWS::CloudWatch::Alarm) on its metric whose alarm_actions
#     notify an SNS topic.
#   fixable: false
package policyguard.rules.aws.monitoring.security_group_changes

import data.policyguard.cis_monitoring
import rego.v1

fail contains result if some result in cis_monitoring.cis_monitor_fails("4.10")

unknown contains result if some result in cis_monitoring.cis_monitor_unknowns("4.10")
