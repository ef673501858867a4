# METADATA
# title: OpenSearch domains publish audit logs
# description: >-
#   Audit logs record who read, wrote or changed what in the domain (authentication
#   failures, index and document access); without an enabled AUDIT_LOGS publishing option
#   there is no such record.
# custom:
#   id: PG-AWS-OPENSEARCH-102
#   severity: medium
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_opensearch_domain, aws_elasticsearch_domain]
#     cloudformation: ["AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"]
#   frameworks:
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add log_publishing_options { log_type = "AUDIT_LOGS", cloudwatch_log_group_arn = ...
#     } (CloudFormation: LogPublishingOptions.AUDIT_LOGS) and enable audit logging in the
#     domain's security settings (fine-grained access control is required).
#   fixable: false
package policyguard.rules.aws.opensearch.audit_logs

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	opts := lib.attr("log_publishing_options")
	not lib.is_unknown(opts)
	not tf_audit(opts)
	result := {"msg": sprintf("%s: audit logs are not published", [input.resource.id]), "path": "log_publishing_options"}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	opts := lib.attr("LogPublishingOptions")
	not lib.is_unknown(opts)
	a := object.get(lib.obj(opts), "AUDIT_LOGS", null)
	not lib.truthy(object.get(lib.obj(a), "Enabled", null))
	result := {"msg": sprintf("%s: audit logs are not published", [input.resource.id]), "path": "LogPublishingOptions"}
}

tf_audit(opts) if {
	some o in lib.coll(opts)
	object.get(lib.obj(o), "log_type", null) == "AUDIT_LOGS"
	not object.get(lib.obj(o), "enabled", true) == false
}
