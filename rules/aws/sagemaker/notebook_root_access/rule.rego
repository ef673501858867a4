# METADATA
# title: SageMaker notebook instances do not give users root access
# description: >-
#   With root access (the default: Enabled) every notebook user can change the instance's
#   software, disable its controls and read every other user's files on it.
# custom:
#   id: PG-AWS-SAGEMAKER-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_sagemaker_notebook_instance]
#     cloudformation: ["AWS::SageMaker::NotebookInstance"]
#   frameworks:
#     nist-800-53: ["AC-6", "SC-7"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Set root_access = "Disabled" (CloudFormation: RootAccess: Disabled) and install
#     packages through lifecycle configurations.
#   fixable: false
package policyguard.rules.aws.sagemaker.notebook_root_access

import data.policyguard.lib
import rego.v1

keys := {"aws_sagemaker_notebook_instance": "root_access", "AWS::SageMaker::NotebookInstance": "RootAccess"}

fail contains result if {
	key := keys[input.resource.type]
	v := lib.attr(key)
	not lower(lib.str(v)) == "disabled"
	result := {"msg": sprintf("%s: notebook users have root access (%s)", [input.resource.id, shown(v)]), "path": key}
}

shown(v) := "not set" if v == null

shown(v) := sprintf("found %s", [json.marshal(v)]) if v != null
