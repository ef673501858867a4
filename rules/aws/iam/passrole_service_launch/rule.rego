# METADATA
# title: IAM policies do not combine iam:PassRole on every role with launching compute
# description: >-
#   iam:PassRole on every role together with an action that starts code under a role
#   (ec2:RunInstances, lambda:CreateFunction, glue:CreateDevEndpoint, cloudformation:CreateStack,
#   ecs:RunTask...) lets the holder run its own code with the permissions of any role in the
#   account, administrator roles included. PassRole limited to named role ARNs, or by a condition
#   on iam:PassedToService / iam:AssociatedResourceArn, is not reported; nor is PassRole alone.
# custom:
#   id: PG-AWS-IAM-100
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_iam_policy, aws_iam_role_policy, aws_iam_user_policy, aws_iam_group_policy, aws_iam_role, data.aws_iam_policy_document]
#     cloudformation: ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"]
#   frameworks:
#     nist-800-53: ["AC-6", "AC-2"]
#     soc2: ["CC6.3"]
#   remediation: >-
#     List the role ARNs the workload must pass in the PassRole statement's Resource (for example
#     arn:aws:iam::<account>:role/app-lambda), and add a condition on iam:PassedToService.
#   fixable: false
package policyguard.rules.aws.iam.passrole_service_launch

import data.policyguard.iam_identity
import data.policyguard.lib
import rego.v1

# actions that start code (or a stack) running as a role passed in the same call
launch_actions := [
	"ec2:RunInstances", "ec2:RequestSpotInstances", "autoscaling:CreateLaunchConfiguration",
	"lambda:CreateFunction", "lambda:UpdateFunctionConfiguration",
	"glue:CreateDevEndpoint", "glue:CreateJob", "glue:UpdateJob", "glue:CreateSession",
	"cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:CreateStackSet",
	"ecs:RunTask", "ecs:StartTask", "ecs:CreateService", "ecs:RegisterTaskDefinition",
	"datapipeline:CreatePipeline", "codebuild:CreateProject", "codebuild:UpdateProject",
	"sagemaker:CreateNotebookInstance", "sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
	"states:CreateStateMachine", "apprunner:CreateService", "batch:SubmitJob",
]

fail contains result if {
	some g in iam_identity.escalating_grants(["iam:PassRole"])
	launch := iam_identity.granted_actions(launch_actions)
	count(launch) > 0
	result := {
		"msg": sprintf("%s: %s allows iam:PassRole on %s and the policy allows %s: the holder can run code as any role", [input.resource.id, lib.statement_label(g.s.st), shown(g.resources), concat(", ", sort(launch))]),
		"path": g.path,
	}
}

fail contains result if {
	some u in iam_identity.identity_unresolved
	result := {"msg": u.msg, "path": u.path}
}

# helpers, not inline comprehensions: the webhook's VM mishandles an else after a body that
# iterates
shown(rs) := json.marshal(xs) if {
	xs := named(rs)
	count(xs) > 0
} else := "every resource outside NotResource" if {
	not_resource(rs)
} else := "an unresolved resource"

named(rs) := [x.value | some x in rs; is_string(x.value)]

not_resource(rs) if {
	some x in rs
	x.path == "NotResource"
}
