# METADATA
# title: Redshift clusters write audit logs
# description: >-
#   Redshift audit logging records connection attempts, user changes and (with
#   enable_user_activity_logging) the queries run. It is off by default; without it there is no
#   record of who connected to the warehouse or what they changed.
# custom:
#   id: PG-AWS-REDSHIFT-003
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_redshift_cluster]
#     cloudformation: ["AWS::Redshift::Cluster"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add an aws_redshift_logging resource for the cluster (or the cluster's logging block on
#     older providers) sending to S3 or CloudWatch (CloudFormation: LoggingProperties).
#   fixable: false
package policyguard.rules.aws.redshift.audit_logging

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	not inline_enabled
	count(companions) == 0
	result := {
		"msg": sprintf("%s: no audit logging (no enabled logging block and no aws_redshift_logging for this cluster)", [input.resource.id]),
		"path": tf_path,
	}
}

inline_enabled if lib.truthy(object.get(lib.obj(lib.first(lib.arr(object.get(input.resource.attributes, "logging", null)))), "enable", null))

tf_path := "logging[0].enable" if {
	count(lib.arr(object.get(input.resource.attributes, "logging", null))) > 0
} else := "logging"

# aws_redshift_logging resources of the unit that name this cluster (by reference or literal id)
companions contains id if {
	some ref in input.resource.referenced_by
	ref.path == "cluster_identifier"
	id := object.get(ref, "source", ref.target)
	r := input.resources[id]
	r.type == "aws_redshift_logging"
}

companions contains id if {
	name := object.get(input.resource.attributes, "cluster_identifier", null)
	is_string(name)
	some id, r in input.resources
	r.type == "aws_redshift_logging"
	object.get(r.attributes, "cluster_identifier", null) == name
}

fail contains result if {
	input.resource.platform == "cloudformation"
	props := lib.obj(object.get(lib.obj(input.resource.attributes), "LoggingProperties", null))
	not cfn_destination(props)
	result := {
		"msg": sprintf("%s: no audit logging (LoggingProperties names neither a bucket nor CloudWatch)", [input.resource.id]),
		"path": "LoggingProperties",
	}
}

cfn_destination(props) if object.get(props, "BucketName", null) != null

cfn_destination(props) if object.get(props, "LogDestinationType", null) == "cloudwatch"
