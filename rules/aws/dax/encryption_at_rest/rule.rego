# METADATA
# title: DAX clusters encrypt data at rest
# description: >-
#   A DynamoDB Accelerator (DAX) cluster caches table items on its nodes. Server-side encryption
#   is off unless it is requested when the cluster is created (it cannot be turned on later), so
#   cached items, configuration and logs are stored in clear text on disk.
# custom:
#   id: PG-AWS-DAX-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_dax_cluster]
#     cloudformation: ["AWS::DAX::Cluster"]
#   frameworks:
#     nist-800-53: ["SC-28"]
#     pci-dss-4.0: ["3.5.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Add server_side_encryption { enabled = true } (CloudFormation: SSESpecification:
#     {SSEEnabled: true}). The cluster is replaced: plan the cut-over.
#   fixable: false
package policyguard.rules.aws.dax.encryption_at_rest

import data.policyguard.lib
import rego.v1

# Terraform: nested block list `server_side_encryption[0].enabled`; absent means off
fail contains result if {
	input.resource.platform == "terraform"
	not lib.truthy(object.get(lib.obj(lib.first(lib.arr(object.get(input.resource.attributes, "server_side_encryption", null)))), "enabled", null))
	result := {
		"msg": sprintf("%s: DAX server-side encryption is not enabled", [input.resource.id]),
		"path": tf_path,
	}
}

tf_path := "server_side_encryption[0].enabled" if {
	count(lib.arr(object.get(input.resource.attributes, "server_side_encryption", null))) > 0
} else := "server_side_encryption"

fail contains result if {
	input.resource.platform == "cloudformation"
	not lib.truthy(object.get(lib.obj(object.get(input.resource.attributes, "SSESpecification", null)), "SSEEnabled", null))
	result := {
		"msg": sprintf("%s: DAX server-side encryption is not enabled", [input.resource.id]),
		"path": cfn_path,
	}
}

cfn_path := "SSESpecification.SSEEnabled" if {
	lib.has(lib.obj(input.resource.attributes), "SSESpecification")
} else := "SSESpecification"
