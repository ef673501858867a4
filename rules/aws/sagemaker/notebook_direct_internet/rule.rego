# METADATA
# title: SageMaker notebook instances have no direct internet access
# description: >-
#   A notebook with direct internet access (the default: Enabled) reaches the internet
#   through a SageMaker-managed network, outside the VPC's security groups, NAT and flow
#   logs: data can leave without any control the VPC applies.
# custom:
#   id: PG-AWS-SAGEMAKER-002
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
#     Set direct_internet_access = "Disabled" (CloudFormation: DirectInternetAccess:
#     Disabled) with subnet_id and security_groups, and give the VPC the endpoints or NAT
#     it needs.
#   fixable: false
package policyguard.rules.aws.sagemaker.notebook_direct_internet

import data.policyguard.lib
import rego.v1

keys := {"aws_sagemaker_notebook_instance": "direct_internet_access", "AWS::SageMaker::NotebookInstance": "DirectInternetAccess"}

fail contains result if {
	key := keys[input.resource.type]
	v := lib.attr(key)
	not lower(lib.str(v)) == "disabled"
	result := {"msg": sprintf("%s: the notebook has direct internet access (%s)", [input.resource.id, shown(v)]), "path": key}
}

shown(v) := "not set" if v == null

shown(v) := sprintf("found %s", [json.marshal(v)]) if v != null
